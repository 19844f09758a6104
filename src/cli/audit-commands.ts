/**
 * `portcullis audit …`: list events, show the chain's head, export the chain to a file, and
 * verify an exported file against the chain's hashes.
 *
 * Verification runs offline on the file alone (the hashes are in it); `--head` also compares the
 * file's last event with the gateway's current head. An export is written to FILE.partial and
 * renamed when complete, so a file named FILE is never a half-written export.
 */
import { createReadStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import { type ChainProblem, ChainVerifier, positionOf } from "../audit/verify.ts";
import type {
  AuditEvent,
  AuditExportQuery,
  AuditQuery,
  PortcullisClient,
} from "../client/index.ts";
import type { ProgressSink } from "./commands.ts";
import { formatFields, formatTable } from "./format.ts";
import { LocalFileError, type Outcome } from "./outcome.ts";

export interface AuditExportArgs {
  out: string;
  query: AuditExportQuery;
}

export interface AuditVerifyArgs {
  file: string;
  allowGaps: boolean;
  head: boolean;
}

/** The file's chain is broken: exit status 3, naming the first bad event. */
export class ChainBrokenError extends Error {
  readonly code = "chain_broken";
}

export async function listAudit(client: PortcullisClient, query: AuditQuery): Promise<Outcome> {
  const page = await client.audit(query);
  const rows = page.events.map((event) => [
    event.occurredAt,
    event.action,
    event.outcome,
    event.reason ?? "",
    event.linkId ?? "",
    event.bytesServed === null ? "" : String(event.bytesServed),
    noteOf(event),
  ]);
  const table = rows.length
    ? formatTable(["time", "action", "outcome", "reason", "link", "bytes", "note"], rows)
    : "No audit events match.";
  const more = page.nextCursor ? `\nMore events: add --cursor ${page.nextCursor}` : "";
  return { json: page, text: table + more };
}

/**
 * The person's own words on an event (`revoke --reason`, `--note`), on one line: other people
 * wrote them, so line breaks, terminal controls and bidirectional overrides become spaces.
 */
function noteOf(event: AuditEvent): string {
  const note = event.detail?.note;
  if (typeof note !== "string") return "";
  return note.replace(/[\s\p{Cc}\u202A-\u202E\u2066-\u2069]+/gu, " ").trim();
}

export async function showAuditHead(client: PortcullisClient): Promise<Outcome> {
  const head = await client.auditHead();
  const fields: [string, string][] = head.head
    ? [
        ["seq", String(head.head.seq)],
        ["hash", head.head.hash],
        ["sealedAt", head.head.sealedAt],
      ]
    : [["head", "none: the chain is empty"]];
  if (head.anchor) fields.push(["prunedThrough", `${head.anchor.seq} (${head.anchor.hash})`]);
  fields.push(["waiting", String(head.waiting)]);
  return { json: head, text: formatFields(fields) };
}

export async function exportAudit(
  client: PortcullisClient,
  args: AuditExportArgs,
  progress: ProgressSink,
): Promise<Outcome> {
  const exported = await client.exportAudit(args.query);
  const partial = `${args.out}.partial`;
  const file = await open(partial, "w").catch((error: unknown) => {
    throw new LocalFileError(
      "file_unwritable",
      `cannot write ${partial}: ${(error as Error).message}`,
    );
  });

  let events = 0;
  let bytes = 0;
  let lastShown = 0;
  try {
    for await (const chunk of exported.body) {
      await file.write(chunk);
      bytes += chunk.byteLength;
      for (const byte of chunk) if (byte === 10) events += 1;
      if (progress.isTTY && Date.now() - lastShown > 200) {
        lastShown = Date.now();
        progress.write(`\rexporting: ${events} lines, ${bytes} bytes`);
      }
    }
    await file.close();
    await rename(partial, args.out);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  if (progress.isTTY) progress.write("\n");

  // A CSV export's first line is its header, not an event.
  const count = args.query.format === "csv" ? Math.max(0, events - 1) : events;
  // A filtered export holds only the matching events among the positions its range covers.
  const scanned = exported.chain === "filtered" ? "from seq" : "seq";
  const range = exported.range
    ? `${scanned} ${exported.range.first}-${exported.range.last}`
    : "empty";
  const result = { file: args.out, events: count, bytes, chain: exported.chain, range };
  return {
    json: result,
    text: `Exported ${plural(count, "event")} (${range}, ${exported.chain}) to ${args.out}.`,
  };
}

export async function verifyAuditFile(
  args: AuditVerifyArgs,
  client: PortcullisClient | null,
): Promise<Outcome> {
  // Pass one: where each position is, so a missing one can be told from one out of place.
  const positions = new Map<number, number>();
  let firstLine: string | null = null;
  await eachLine(args.file, (line, number) => {
    firstLine ??= line;
    const seq = positionOf(line);
    if (seq !== null && !positions.has(seq)) positions.set(seq, number);
    return Promise.resolve(false);
  });
  if (firstLine === null) {
    const empty = { intact: true, events: 0, firstSeq: null, lastSeq: null, lastHash: null };
    return {
      json: empty,
      text: `empty: ${args.file} holds no events, so there is nothing to check`,
    };
  }
  if (!looksLikeJson(firstLine)) {
    throw new LocalFileError(
      "not_an_export",
      `${args.file} is not an NDJSON audit export (its first line is not JSON); ` +
        "export with --format ndjson to verify.",
    );
  }

  const verifier = new ChainVerifier(positions, { allowGaps: args.allowGaps });
  let found: ChainProblem | null = null;
  const hashes = new Map<number, string>();
  await eachLine(args.file, async (line, number) => {
    found = await verifier.add(number, line);
    return found !== null;
  });
  const finished = verifier.finish();
  const problem = found ?? finished.problem;
  if (problem) throw new ChainBrokenError(`${args.file} line ${problem.line}: ${problem.message}`);

  const { summary } = finished;
  let gatewayNote = "";
  if (args.head && client) {
    await eachLine(args.file, (line) => {
      const event = JSON.parse(line) as { seq: number; hash: string };
      if (event.seq === summary.firstSeq || event.seq === summary.lastSeq) {
        hashes.set(event.seq, event.hash);
      }
      return Promise.resolve(false);
    });
    gatewayNote = await compareWithGateway(client, hashes);
  }

  const count = plural(summary.events, "event");
  const text =
    `intact: ${count}, seq ${summary.firstSeq}-${summary.lastSeq}, ` +
    `last hash ${summary.lastHash}${gatewayNote}`;
  return { json: { intact: true, ...summary, gateway: gatewayNote.trim() || null }, text };
}

function looksLikeJson(line: string): boolean {
  try {
    return typeof JSON.parse(line) === "object";
  } catch {
    return false;
  }
}

/**
 * Compares the file's first and last events with the gateway's events at the same positions, so
 * a file rewritten from some point on, or cut short, or another tenant's, is told apart from the
 * tenant's chain; offline, a consistent rewrite cannot be.
 */
async function compareWithGateway(
  client: PortcullisClient,
  fileHashes: ReadonlyMap<number, string>,
): Promise<string> {
  const { head, anchor } = await client.auditHead();
  const positions = [...fileHashes.keys()].sort((a, b) => a - b);
  const last = positions.at(-1) ?? 0;
  if (!head || head.seq < last) {
    throw new ChainBrokenError(
      `the file goes to seq ${last}, beyond the gateway's head (${head?.seq ?? "none"}).`,
    );
  }

  let compared = 0;
  for (const seq of positions) {
    const page = await client.audit({ seq, limit: 1 });
    const theirs = page.events[0];
    if (!theirs) {
      // Pruned by audit retention since the export: nothing left to compare it with.
      if (anchor && seq <= anchor.seq) continue;
      throw new ChainBrokenError(`the gateway holds no event at seq ${seq}.`);
    }
    if (theirs.hash !== fileHashes.get(seq)) {
      throw new ChainBrokenError(
        `event seq ${seq} differs from the gateway's (another tenant's file, or rewritten).`,
      );
    }
    compared += 1;
  }
  const distance = head.seq - last;
  const where =
    distance === 0
      ? "the file ends at the gateway's head"
      : `the gateway's head is ${distance} further`;
  const verdict =
    compared === 0 ? "no event left to compare at the gateway" : "matches the gateway";
  return `; ${verdict}, ${where}`;
}

/** Calls `visit` with each non-empty line and its 1-based number until it returns true. */
async function eachLine(
  path: string,
  visit: (line: string, number: number) => Promise<boolean>,
): Promise<void> {
  const input = createReadStream(path, { encoding: "utf8" });
  const failed = new Promise<never>((_, reject) => {
    input.once("error", (error) =>
      reject(new LocalFileError("file_unreadable", `cannot read ${path}: ${error.message}`)),
    );
  });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    const reading = (async () => {
      for await (const read of lines) {
        number += 1;
        // A byte order mark, which some editors add, is not part of the first event.
        const line = number === 1 ? read.replace(/^\uFEFF/, "") : read;
        if (line.trim() === "") continue;
        if (await visit(line, number)) return;
      }
    })();
    await Promise.race([reading, failed]);
  } finally {
    lines.close();
    input.destroy();
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
