/**
 * `portcullis audit …`: list events, show the chain's head, export the chain to a file, and
 * verify an exported file against the chain's hashes.
 *
 * Verification runs offline on the file alone (the hashes are in it), reading it once, so a pipe
 * or standard input can be verified, and never holding more than one line of it, a line being cut
 * off past MAX_LINE_BYTES; `--head` also compares the file's ends with the gateway's chain
 * (./audit-gateway.ts). An export is written to FILE.partial and renamed when complete, so
 * a file named FILE is never a half-written export, and an existing FILE is kept unless --force.
 */
import { createReadStream, type Stats } from "node:fs";
import { lstat, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import {
  type ChainProblem,
  type ChainSummary,
  ChainVerifier,
  type FileEnds,
  type MissingPositions,
} from "../audit/verify.ts";
import type {
  AuditEvent,
  AuditExport,
  AuditExportQuery,
  AuditQuery,
  PortcullisClient,
} from "../client/index.ts";
import { ChainBrokenError } from "./audit-errors.ts";
import { compareWithGateway, describeComparison, type GatewayVerdict } from "./audit-gateway.ts";
import type { ProgressSink } from "./commands.ts";
import { formatFields, formatTable } from "./format.ts";
import { type InputLine, linesOf, MAX_LINE_MIB } from "./input-lines.ts";
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
  // Checked, and the partial file opened, before the request: nothing is fetched only to be
  // refused, or to find that it cannot be written.
  await refuseUnusable(args.out, args.force);
  const partial = `${args.out}.partial`;
  // A leftover of an interrupted export is replaced, not reused: reused, its mode would carry over.
  await rm(partial, { force: true });
  const file = await open(partial, "wx", 0o644).catch((error: unknown) => {
    throw new LocalFileError(
      "file_unwritable",
      `cannot write ${partial}: ${(error as Error).message}`,
    );
  });

  let events = 0;
  let bytes = 0;
  let lastShown = 0;
  let exported: AuditExport;
  try {
    exported = await client.exportAudit(args.query);
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
    await refuseUnusable(args.out, args.force);
    await rename(partial, args.out).catch((error: NodeJS.ErrnoException) => {
      throw new LocalFileError(
        "file_unwritable",
        `cannot rename the finished export ${partial} to ${args.out} ` +
          `(${error.code ?? error.message}); nothing was written to ${args.out}.`,
      );
    });
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

/**
 * Where an export may go: a regular file, or none yet, in a directory that exists. An export is
 * kept evidence, so an existing file is replaced only when --force says so. Anything else is
 * refused whatever --force says: the finished export is renamed onto FILE, which would replace a
 * link (such as /dev/stdout) or a device itself rather than write through it, and cannot replace
 * a directory.
 */
async function refuseUnusable(path: string, force: boolean): Promise<void> {
  const entry = await lstat(path).catch(() => null);
  if (entry === null) {
    await refuseMissingDirectory(path);
    return;
  }

  const target = entry.isSymbolicLink() ? await stat(path).catch(() => null) : entry;
  if (target?.isDirectory()) {
    throw new LocalFileError(
      "not_a_file",
      `--out ${path} is a directory; name a file for the export, e.g. ${path}/audit.ndjson.`,
    );
  }
  if (!entry.isFile()) {
    throw new LocalFileError(
      "not_a_file",
      `--out ${path} is ${kindOf(entry)}, not a regular file: a finished export is renamed onto ` +
        "FILE, replacing what is there, so --out must name a regular file or a new one. " +
        "Standard output cannot take an export: see portcullis audit export --help.",
    );
  }
  if (!force) {
    throw new LocalFileError(
      "file_exists",
      `${path} already exists; choose another --out, or add --force to replace it.`,
    );
  }
}

function kindOf(entry: Stats): string {
  if (entry.isSymbolicLink()) return "a symbolic link";
  if (entry.isFIFO()) return "a pipe";
  if (entry.isSocket()) return "a socket";
  return "a device";
}

async function refuseMissingDirectory(path: string): Promise<void> {
  const directory = dirname(path);
  const found = await stat(directory).catch(() => null);
  if (!found?.isDirectory()) {
    const what = found ? "is not a directory" : "does not exist";
    throw new LocalFileError(
      "directory_not_found",
      `--out ${path}: ${directory} ${what}; create the directory first, or choose another --out.`,
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
  const { summary, ends } = await checkChain(args, stdin, name);

  const verdict =
    args.head && client
      ? await compareWithGateway(client, ends, args.fromStart).catch((error: unknown) => {
          throw locatedIn(name, error);
        })
      : null;
  return verifyOutcome(name, summary, verdict);
}

/** A failed comparison named like a problem of the file: `FILE line N: …`, as the others are. */
function locatedIn(name: string, error: unknown): unknown {
  if (!(error instanceof ChainBrokenError)) return error;
  const { line } = error.problem;
  const where = line === null ? name : `${name} line ${line}`;
  return new ChainBrokenError(`${where}: ${error.message}`, error.problem);
}

/** A removal is also what a filtered export looks like to a plain verify. */
const FILTERED_HINT =
  "if this is a filtered export (--link, --version, --action, --outcome), verify it with " +
  "--allow-gaps";

async function checkChain(
  args: AuditVerifyArgs,
  stdin: Readable,
  name: string,
): Promise<{ summary: ChainSummary; ends: FileEnds | null }> {
  const verifier = new ChainVerifier({ allowGaps: args.allowGaps });
  const input = args.file === "-" ? stdin : createReadStream(args.file);
  let found: ChainProblem | null = null;
  let first = true;
  for await (const line of linesOf(input, name)) {
    const text = line.overLong ? null : textOf(line);
    // Blank lines, which copying files between systems can add, hold no event.
    if (text?.trim() === "") continue;

    if (first) refuseNonExport(line, text, name);
    first = false;
    found =
      text === null
        ? verifier.unreadable(line.number, `longer than ${MAX_LINE_MIB} MiB, which no event is`)
        : await verifier.add(line.number, text);
    if (found) break;
  }

  const finished = verifier.finish();
  const problem = found ?? finished.problem;
  if (problem) {
    const message =
      problem.kind === "removed" ? `${problem.message}; ${FILTERED_HINT}` : problem.message;
    throw new ChainBrokenError(`${name} line ${problem.line}: ${message}`, {
      ...problem,
      message,
    });
  }
  return { summary: finished.summary, ends: finished.ends };
}

/** A line's text; a byte order mark, which some editors add, is no part of the first event. */
function textOf(line: InputLine): string {
  const text = line.bytes.toString("utf8");
  return line.number === 1 ? text.replace(/^\uFEFF/, "") : text;
}

/**
 * An export's lines are JSON objects; a first line that is anything else is no export (exit 2).
 * One that starts like an object but does not parse is an export damaged or cut short: that is
 * left to the verifier, to report as a broken chain (exit 3).
 */
function refuseNonExport(line: InputLine, text: string | null, name: string): void {
  const notAnExport = (why: string, advice?: string) =>
    new LocalFileError(
      "not_an_export",
      `${name} is not an NDJSON audit export (${why})${advice ? `; ${advice}` : "."}`,
    );
  if (line.bytes[0] === 0x1f && line.bytes[1] === 0x8b) {
    throw notAnExport(
      "it looks gzip-compressed",
      "decompress it first (gunzip -c FILE | portcullis audit verify -).",
    );
  }
  // Blank lines before it are skipped, so the first line judged need not be line 1.
  const first = line.number === 1 ? "its first line" : `line ${line.number}, its first not blank,`;
  if (text === null) {
    throw notAnExport(`${first} is longer than ${MAX_LINE_MIB} MiB, which no event is`);
  }
  if (text.trimStart().startsWith("{")) return;

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw notAnExport(`${first} is not a JSON object`, "export with --format ndjson to verify.");
  }
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

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
