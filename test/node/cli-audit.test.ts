/**
 * `portcullis audit verify` on the command line, against files made in the test: it reads its
 * input once (a pipe, or - for standard input), holding at most one line of bounded length,
 * tells what is no export (exit 2) from a broken chain (exit 3), and names what broke. The
 * comparison with the gateway is in ./cli-audit-head.test.ts.
 */
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainBrokenError, verifyAuditFile } from "../../src/cli/audit-commands.ts";
import { cli } from "./fixtures.ts";
import {
  chainGateway,
  eventOf,
  makeAuditFiles,
  OTHER_TENANT,
  TENANT,
  writeLines,
} from "./support/audit-lines.ts";
import { outputOf } from "./support/process-output.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "bin", "portcullis.js");

let dir: string;
let chain: string[];
let otherChain: string[];
let tampered: string;
beforeAll(async () => {
  ({ dir, chain, otherChain, tampered } = await makeAuditFiles("portcullis-audit-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the real `portcullis` executable. With `pipeFrom`, `cat FILE |` feeds its standard input
 * through a shell pipe, as people do; Node's own child pipes are sockets, which /dev/stdin
 * cannot open. With `input`, that text is written to its standard input.
 */
const PIPED = 'file=$1 node=$2 cli=$3; shift 3; cat "$file" | "$node" "$cli" "$@"';

function portcullisProcess(args: string[], feed: { pipeFrom?: string; input?: string }) {
  // No credentials: verifying offline needs none.
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: dir };
  const [command, argv] = feed.pipeFrom
    ? ["/bin/sh", ["-c", PIPED, "sh", feed.pipeFrom, process.execPath, CLI]]
    : [process.execPath, [CLI]];
  const child = spawn(command, [...argv, ...args], {
    cwd: dir,
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end(feed.input ?? "");
  return outputOf(child);
}

const STDIN = { file: "-", allowGaps: false, head: false, fromStart: false };
const MIB = 1024 * 1024;

/**
 * `bytes` of zeros in chunks of 64 KiB, made as they are read; `read()` says how many were, to
 * show that verify stopped at the line's limit instead of reading the whole stream.
 */
function zeros(bytes: number, before = "") {
  let produced = 0;
  async function* chunks() {
    if (before) yield Buffer.from(before);
    while (produced < bytes) {
      produced += 64 * 1024;
      yield Buffer.alloc(64 * 1024);
    }
  }
  return { stream: Readable.from(chunks()), read: () => produced };
}

describe("audit verify reads its input once", () => {
  it("a tampered export piped through /dev/stdin fails with exit 3", async () => {
    const result = await portcullisProcess(["audit", "verify", "/dev/stdin"], {
      pipeFrom: tampered,
    });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`event seq 4 (${eventOf(chain[3]).id}) was altered`);
  });

  it("- reads standard input, and an intact one counts every event it checked", async () => {
    const input = `${chain.join("\n")}\n`;
    const result = await portcullisProcess(["audit", "verify", "-"], { input });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^intact: 12 events, seq 1-12, last hash [0-9a-f]{64}\n$/);
  });

  it("a tampered stream that can be read only once is never called intact", async () => {
    const input = Readable.from([await readFile(tampered, "utf8")]);
    await expect(verifyAuditFile(STDIN, null, input)).rejects.toBeInstanceOf(ChainBrokenError);
  });

  it("a CRLF split between two chunks ends one line: later lines keep their numbers", async () => {
    const input = Readable.from([`${chain[0]}\r`, `\n${chain[1]}\r\n`, "hello\r\n"]);
    await expect(verifyAuditFile(STDIN, null, input)).rejects.toMatchObject({
      problem: { kind: "malformed", line: 3 },
    });
  });
});

describe("audit verify holds at most 1 MiB of a line", () => {
  it("a first line over 1 MiB is no export (exit 2), refused before the rest is read", async () => {
    const input = zeros(64 * MIB);
    await expect(verifyAuditFile(STDIN, null, input.stream)).rejects.toMatchObject({
      code: "not_an_export",
      message:
        "standard input is not an NDJSON audit export (its first line is longer than 1 MiB, " +
        "which no event is).",
    });
    expect(input.read()).toBeLessThan(4 * MIB);
  });

  it("a later line over 1 MiB is malformed (exit 3), naming the last good event", async () => {
    const input = zeros(64 * MIB, `${chain.slice(0, 5).join("\n")}\n`);
    const error = await verifyAuditFile(STDIN, null, input.stream).catch((caught) => caught);
    expect(error).toBeInstanceOf(ChainBrokenError);
    expect(error.problem).toMatchObject({ kind: "malformed", line: 6, seq: null });
    expect(error.message).toBe(
      "standard input line 6: longer than 1 MiB, which no event is; the last good event " +
        `before it is seq 5 (${eventOf(chain[4]).id}), on line 5`,
    );
    expect(input.read()).toBeLessThan(4 * MIB);
  });
});

describe("audit verify tolerates what copying adds between events, not within a line", () => {
  it("a BOM, CRLF or lone CR line ends and blank lines verify: events are unchanged", async () => {
    const [first, second, ...rest] = chain;
    const text = `\uFEFF${first}\r\n\r\n${second}\r  \n${rest.join("\n")}`;
    const file = join(dir, "copied.ndjson");
    await writeFile(file, text);
    const result = await cli(["audit", "verify", file]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^intact: 12 events, seq 1-12,/);
  });

  it("a space after an event is refused (exit 3): the line is no longer as exported", async () => {
    const spaced = chain.map((line, index) => (index === 3 ? `${line} ` : line));
    const file = await writeLines(dir, "spaced.ndjson", spaced);
    const result = await cli(["audit", "verify", file]);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`line 4: event seq 4 (${eventOf(chain[3]).id}) is not as`);
  });
});

describe("audit verify refuses what is not an NDJSON export, exit 2", () => {
  it.each(["null", "[1,2]", "42", '"x"', "hello", "id,occurredAt,tenantId"])(
    "a first line of %s",
    async (first) => {
      const file = await writeLines(dir, "not-an-export.ndjson", [first, ...chain]);
      const result = await cli(["audit", "verify", file]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^error not_an_export: .* is not an NDJSON audit export/);
    },
  );

  it("a first line after blank ones is named by its number", async () => {
    const file = await writeLines(dir, "blank-then-null.ndjson", ["", "", "null", ...chain]);
    const result = await cli(["audit", "verify", file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("(line 3, its first not blank, is not a JSON object)");
  });

  it("a gzip-compressed export is refused, saying how to decompress it", async () => {
    const file = join(dir, "export.ndjson.gz");
    await writeFile(file, gzipSync(`${chain.join("\n")}\n`));
    const result = await cli(["audit", "verify", file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `error not_an_export: ${file} is not an NDJSON audit export (it looks gzip-compressed); ` +
        "decompress it first (gunzip -c FILE | portcullis audit verify -).\n",
    );
  });

  it("an export cut short inside its first event is a broken chain (exit 3), not CSV", async () => {
    const file = join(dir, "cut-first.ndjson");
    await writeFile(file, '{"id":"x"');
    const result = await cli(["audit", "verify", file]);
    expect(result.status).toBe(3);
    expect(result.stderr).toBe(
      `error chain_broken: ${file} line 1: not JSON (cut short?); no event comes before it\n`,
    );
  });

  it("a garbage line further on is a broken chain (exit 3), naming the event before", async () => {
    const file = await writeLines(dir, "garbage.ndjson", [...chain.slice(0, 5), "hello"]);
    const result = await cli(["audit", "verify", file]);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`line 6: not JSON`);
    expect(result.stderr).toContain(`seq 5 (${eventOf(chain[4]).id}), on line 5`);
  });
});

describe("audit verify names what broke", () => {
  it("`cat` of two tenants' exports names the change of tenant, not a duplicated seq", async () => {
    const file = await writeLines(dir, "two-tenants.ndjson", [...chain, ...otherChain]);
    const result = await cli(["audit", "verify", file]);
    expect(result.status).toBe(3);
    expect(result.stderr).toBe(
      `error chain_broken: ${file} line 13: event seq 1 (${eventOf(otherChain[0]).id}) ` +
        `belongs to another tenant (${OTHER_TENANT}) than the file's first event (${TENANT}, ` +
        "on line 1)\n",
    );
  });
});

describe("audit verify --allow-gaps", () => {
  it("says how many positions are missing and which", async () => {
    const filtered = chain.filter((_, index) => index !== 4 && index !== 8);
    const file = await writeLines(dir, "filtered.ndjson", filtered);
    const result = await cli(["audit", "verify", file, "--allow-gaps"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^intact: 10 events, seq 1-12 \(2 positions missing: 5, 9\),/);
  });

  it("without it, a removal says a filtered export is verified with --allow-gaps", async () => {
    const filtered = chain.filter((_, index) => index !== 4 && index !== 5);
    const file = await writeLines(dir, "filtered-plain.ndjson", filtered);
    const result = await cli(["audit", "verify", file]);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(
      "events seq 5 to 6 were removed, between line 4 (seq 4) and line 5; if this is a " +
        "filtered export (--link, --version, --action, --outcome), verify it with --allow-gaps",
    );
  });

  it("with --from-start, which checks a complete export, it is a usage error, exit 2", async () => {
    const file = await writeLines(dir, "one-deleted.ndjson", chain.toSpliced(4, 1));
    const { fetch, sent } = chainGateway(chain, null);
    const result = await cli(["audit", "verify", file, "--allow-gaps", "--from-start"], fetch);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      "error usage: --allow-gaps and --from-start cannot be combined: --from-start checks a " +
        "complete export",
    );
    expect(sent).toEqual([]);
  });
});
