/**
 * Sealed audit chains made in the test, without a gateway: each line exactly as the export
 * writes it (the D1 row's columns in order), hashed as the ledger hashes, so `audit verify` can
 * be driven line by line and a gateway faked from the same events.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chainHash, GENESIS_HASH } from "../../../src/audit/chain.ts";
import type { SealedAuditEvent } from "../../../src/audit/events.ts";

const SEALED_AT = Date.UTC(2026, 11, 1);

/** A tenant's chain: positions 1 to `count`, as NDJSON lines. */
export async function chainLines(count: number): Promise<string[]> {
  const lines: string[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq += 1) {
    const event = await sealedEvent(seq, prevHash);
    lines.push(JSON.stringify(event));
    prevHash = event.hash;
  }
  return lines;
}

async function sealedEvent(seq: number, prevHash: string): Promise<SealedAuditEvent> {
  const sealedAt = SEALED_AT + seq * 1000;
  const event: SealedAuditEvent = {
    id: `evt_${String(seq).padStart(22, "A")}`,
    occurredAt: sealedAt - 10,
    tenantId: "tnt_AAAAAAAAAAAAAAAAAAAAAA",
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

/** Writes `lines` as an NDJSON file named `name` in `dir`; returns its path. */
export async function writeLines(dir: string, name: string, lines: readonly string[]) {
  const path = join(dir, name);
  await writeFile(path, lines.length ? `${lines.join("\n")}\n` : "");
  return path;
}
