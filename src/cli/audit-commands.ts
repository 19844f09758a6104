/**
 * `portcullis audit …`: list events, show the chain's head, export the chain to a file, and
 * verify an exported file against the chain's hashes.
 *
 * Verification runs offline on the file alone (the hashes are in it), reading it once, so a pipe
 * or standard input can be verified; `--head` also compares the file's ends with the gateway's
 * chain (./audit-gateway.ts). An export is written to FILE.partial and renamed when complete, so
 * a file named FILE is never a half-written export, and an existing FILE is kept unless --force.
 */
import { createReadStream } from "node:fs";
import { lstat, open, rename, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import {
  type ChainProblem,
  type ChainSummary,
  ChainVerifier,
  type MissingPositions,
} from "../audit/verify.ts";
import type {
  AuditEvent,
  AuditExportQuery,
  AuditQuery,
  PortcullisClient,
} from "../client/index.ts";
import { ChainBrokenError } from "./audit-errors.ts";
import { compareWithGateway, describeComparison, type GatewayVerdict } from "./audit-gateway.ts";
import type { ProgressSink } from "./commands.ts";
import { formatFields, formatTable } from "./format.ts";
import { LocalFileError, type Outcome } from "./outcome.ts";

export { ChainBrokenError };

export interface AuditExportArgs {
  out: string;
  /** Replace `out` when it exists; without it an existing file is refused. */
  force: boolean;
  query: AuditExportQuery;
}

export interface AuditVerifyArgs {
  /** The export to check; `-` for standard input. */
  file: string;
  allowGaps: boolean;
  /** Compare the file's ends with the gateway's chain. */
  head: boolean;
  /** Fail unless the file begins where the gateway's chain does (implies head). */
  fromStart: boolean;
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
  // Checked before the request, so nothing is fetched only to be refused.
  if (!args.force) await refuseExisting(args.out);
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
    // Again at the end: a long export must not replace a file that appeared meanwhile.
    if (!args.force) await refuseExisting(args.out);
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
  const result = {
    file: args.out,
    events: count,
    bytes,
    chain: exported.chain,
    first: exported.range?.first ?? null,
    last: exported.range?.last ?? null,
  };
  return {
    json: result,
    text: `Exported ${plural(count, "event")} (${range}, ${exported.chain}) to ${args.out}.`,
  };
}

/** An export is kept evidence: an existing file is replaced only when --force says so. */
async function refuseExisting(path: string): Promise<void> {
  const exists = await lstat(path).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new LocalFileError(
      "file_exists",
      `${path} already exists; choose another --out, or add --force to replace it.`,
    );
  }
}

/**
 * Verifies an NDJSON export in one pass over `args.file` (or `stdin` for `-`), then, with
 * `--head`, compares its ends with the gateway's chain.
 */
export async function verifyAuditFile(
  args: AuditVerifyArgs,
  client: PortcullisClient | null,
  stdin: Readable = process.stdin,
): Promise<Outcome> {
  const name = args.file === "-" ? "standard input" : args.file;
  const summary = await checkChain(args, stdin, name);

  const verdict =
    args.head && client ? await compareWithGateway(client, endsOf(summary), args.fromStart) : null;
  return verifyOutcome(name, summary, verdict);
}

async function checkChain(
  args: AuditVerifyArgs,
  stdin: Readable,
  name: string,
): Promise<ChainSummary> {
  const verifier = new ChainVerifier({ allowGaps: args.allowGaps });
  let found = null as ChainProblem | null;
  let first = true;
  const input = args.file === "-" ? stdin : createReadStream(args.file, { encoding: "utf8" });
  await eachLine(input, name, async (line, number) => {
    if (first) refuseNonExport(line, name);
    first = false;
    found = await verifier.add(number, line);
    return found !== null;
  });

  const finished = verifier.finish();
  const problem = found ?? finished.problem;
  if (problem) throw new ChainBrokenError(`${name} line ${problem.line}: ${problem.message}`);
  return finished.summary;
}

/** An export's lines are JSON objects; a first line that is anything else is no export. */
function refuseNonExport(line: string, name: string): void {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new LocalFileError(
      "not_an_export",
      `${name} is not an NDJSON audit export (its first line is not a JSON object); ` +
        "export with --format ndjson to verify.",
    );
  }
}

function endsOf(summary: ChainSummary) {
  const { firstSeq, firstHash, lastSeq, lastHash } = summary;
  if (firstSeq === null || firstHash === null || lastSeq === null || lastHash === null) {
    return null;
  }
  return { firstSeq, firstHash, lastSeq, lastHash };
}

function verifyOutcome(
  name: string,
  summary: ChainSummary,
  verdict: GatewayVerdict | null,
): Outcome {
  const json = { intact: true, ...summary, gateway: verdict?.gateway ?? null };
  const notes = verdict?.notes ?? [];
  if (summary.events === 0) {
    const text = `empty: ${name} holds no events, so there is nothing to check`;
    return { json, text: [text, ...notes].join("\n") };
  }

  const missing = summary.missing.count > 0 ? ` (${describeMissing(summary.missing)})` : "";
  const gateway = verdict ? `; ${describeComparison(verdict.gateway)}` : "";
  const text =
    `intact: ${plural(summary.events, "event")}, seq ${summary.firstSeq}-${summary.lastSeq}` +
    `${missing}, last hash ${summary.lastHash}${gateway}`;
  return { json, text: [text, ...notes].join("\n") };
}

/** "3 positions missing: 5, 9-10", the first few stretches listed. */
function describeMissing(missing: MissingPositions): string {
  const listed = missing.ranges.map(({ from, to }) => (from === to ? `${from}` : `${from}-${to}`));
  const listedCount = missing.ranges.reduce((sum, { from, to }) => sum + to - from + 1, 0);
  const more = listedCount < missing.count ? ", …" : "";
  const positions = missing.count === 1 ? "1 position" : `${missing.count} positions`;
  return `${positions} missing: ${listed.join(", ")}${more}`;
}

/** Calls `visit` with each non-empty line and its 1-based number until it returns true. */
async function eachLine(
  input: Readable,
  name: string,
  visit: (line: string, number: number) => Promise<boolean>,
): Promise<void> {
  const failed = new Promise<never>((_, reject) => {
    input.once("error", (error) =>
      reject(new LocalFileError("file_unreadable", `cannot read ${name}: ${error.message}`)),
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
