/**
 * Sealed audit chains made in the test, without a gateway: each line exactly as the export
 * writes it (the D1 row's columns in order), hashed as the ledger hashes, so `audit verify` can
 * be driven line by line and a gateway faked from the same events.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chainHash, GENESIS_HASH } from "../../../src/audit/chain.ts";
import type { SealedAuditEvent } from "../../../src/audit/events.ts";
import { fakeFetch, json } from "../fixtures.ts";

const SEALED_AT = Date.UTC(2026, 11, 1);

export const TENANT = "tnt_AAAAAAAAAAAAAAAAAAAAAA";
export const OTHER_TENANT = "tnt_BBBBBBBBBBBBBBBBBBBBBB";

/** A tenant's chain: positions 1 to `count`, as NDJSON lines. */
export async function chainLines(count: number, tenantId = TENANT): Promise<string[]> {
  const lines: string[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq += 1) {
    const event = await sealedEvent(seq, prevHash, tenantId);
    lines.push(JSON.stringify(event));
    prevHash = event.hash;
  }
  return lines;
}

async function sealedEvent(
  seq: number,
  prevHash: string,
  tenantId: string,
): Promise<SealedAuditEvent> {
  const sealedAt = SEALED_AT + seq * 1000;
  const event: SealedAuditEvent = {
    id: `evt_${String(seq).padStart(22, "A")}`,
    occurredAt: sealedAt - 10,
    tenantId,
    linkId: null,
    versionId: null,
    action: "link.viewed",
    outcome: "allowed",
    reason: null,
    actor: null,
    actorKeyId: null,
    clientIp: "192.0.2.1",
    country: "DE",
    userAgent: "curl/8",
    bytesServed: null,
    requestId: null,
    detail: null,
    seq,
    prevHash,
    hash: "",
    sealedAt,
  };
  event.hash = await chainHash(event, { seq, prevHash, sealedAt });
  return event;
}

export function eventOf(line: string | undefined): SealedAuditEvent {
  return JSON.parse(line ?? "") as SealedAuditEvent;
}

/**
 * The event on `line` with `change` made and its hash computed again, as the export would write
 * it: another event that hashes correctly at the same position.
 */
export async function resealed(
  line: string | undefined,
  change: Partial<SealedAuditEvent>,
): Promise<string> {
  const event = { ...eventOf(line), ...change };
  const { seq, prevHash, sealedAt } = event;
  event.hash = await chainHash(event, { seq, prevHash, sealedAt });
  return JSON.stringify(event);
}

/** Writes `lines` as an NDJSON file named `name` in `dir`; returns its path. */
export async function writeLines(dir: string, name: string, lines: readonly string[]) {
  const path = join(dir, name);
  await writeFile(path, lines.length ? `${lines.join("\n")}\n` : "");
  return path;
}

/**
 * A gateway holding `events` (their lines) from `anchor + 1` on: GET /v1/audit/head, and
 * GET /v1/audit?seq=N answering the event at N.
 */
export function chainGateway(
  events: readonly string[],
  anchor: { seq: number; hash: string } | null,
) {
  return fakeFetch((request) => {
    const url = new URL(request.url);
    if (url.pathname === "/v1/audit/head") {
      const last = events.at(-1);
      const head = last
        ? { seq: eventOf(last).seq, hash: eventOf(last).hash, sealedAt: "2026-12-01T00:00:00Z" }
        : null;
      const pruned = anchor ? { ...anchor, prunedAt: "2026-12-01T00:00:00Z" } : null;
      return json(200, { head, anchor: pruned, waiting: 0 });
    }
    if (url.pathname === "/v1/audit") {
      const seq = Number(url.searchParams.get("seq"));
      const found = events.map(eventOf).filter((event) => event.seq === seq);
      const asApi = found.map((event) => ({
        ...event,
        occurredAt: new Date(event.occurredAt).toISOString(),
      }));
      return json(200, { events: asApi, nextCursor: null });
    }
    return json(404, { code: "not_found", detail: "no such route" });
  });
}

/** What the verify tests work on: made once per test file, in a directory of its own. */
export interface AuditFiles {
  dir: string;
  /** A 12-event chain of TENANT, and one of OTHER_TENANT. */
  chain: string[];
  otherChain: string[];
  /** The path of `chain` with the 4th event's country edited and nothing rehashed. */
  tampered: string;
}

export async function makeAuditFiles(prefix: string): Promise<AuditFiles> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const chain = await chainLines(12);
  const otherChain = await chainLines(12, OTHER_TENANT);
  const edited = [...chain];
  edited[3] = (edited[3] ?? "").replace('"country":"DE"', '"country":"FR"');
  const tampered = await writeLines(dir, "tampered.ndjson", edited);
  return { dir, chain, otherChain, tampered };
}
