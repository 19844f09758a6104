/**
 * `portcullis audit verify --head` and `--from-start` against a gateway that answers as the
 * server would: the file's ends are compared with the gateway's chain, and a broken chain is
 * given as data under --json, named at its file and line.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "./fixtures.ts";
import { chainGateway, eventOf, makeAuditFiles, writeLines } from "./support/audit-lines.ts";

let dir: string;
let chain: string[];
let otherChain: string[];
let tampered: string;
beforeAll(async () => {
  ({ dir, chain, otherChain, tampered } = await makeAuditFiles("portcullis-audit-head-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("audit verify --head and --from-start", () => {
  it("--head notes how many events precede a file that starts mid-chain, exit 0", async () => {
    const cut = await writeLines(dir, "cut.ndjson", chain.slice(1));
    const { fetch } = chainGateway(chain, null);
    const result = await cli(["audit", "verify", cut, "--head"], fetch);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("matches the gateway, the file ends at the gateway's head");
    expect(result.stdout).toContain(
      "note: the file starts at seq 2, after the start of the gateway's chain (seq 1): " +
        "1 event before it is not in the file.",
    );
  });

  it("--from-start fails a file cut short at its start, exit 3", async () => {
    const cut = await writeLines(dir, "cut.ndjson", chain.slice(1));
    const { fetch } = chainGateway(chain, null);
    const result = await cli(["audit", "verify", cut, "--from-start"], fetch);
    expect(result.status).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      `error chain_broken: ${cut} line 1: the file starts at seq 2, but the gateway's chain ` +
        "starts at seq 1",
    );
  });

  it("--from-start accepts a file starting at the first position kept after pruning", async () => {
    const anchor = { seq: 4, hash: eventOf(chain[3]).hash };
    const kept = chain.slice(4);
    const file = await writeLines(dir, "after-pruning.ndjson", kept);
    const { fetch } = chainGateway(kept, anchor);
    const result = await cli(["audit", "verify", file, "--from-start"], fetch);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("note:");

    const cut = await writeLines(dir, "after-pruning-cut.ndjson", kept.slice(1));
    const failed = await cli(["audit", "verify", cut, "--from-start"], fetch);
    expect(failed.status).toBe(3);
    expect(failed.stderr).toContain("starts at seq 6, but the gateway's chain starts at seq 5");
  });

  it("an empty file: --head notes the gateway's events, --from-start fails", async () => {
    const empty = await writeLines(dir, "empty.ndjson", []);
    const { fetch } = chainGateway(chain, null);

    const noted = await cli(["audit", "verify", empty, "--head"], fetch);
    expect(noted.status, noted.stderr).toBe(0);
    expect(noted.stdout).toContain("note: the gateway's chain holds 12 events (seq 1-12)");

    const failed = await cli(["audit", "verify", empty, "--from-start"], fetch);
    expect(failed.status).toBe(3);
    expect(failed.stderr).toContain("the file holds no events, but the gateway's chain holds 12");
  });

  it("--head --json gives the comparison as data", async () => {
    const short = await writeLines(dir, "short.ndjson", chain.slice(2, 9));
    const { fetch } = chainGateway(chain, null);
    const result = await cli(["audit", "verify", short, "--head", "--json"], fetch);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      intact: true,
      events: 7,
      firstSeq: 3,
      lastSeq: 9,
      missing: { count: 0, ranges: [] },
      gateway: {
        headSeq: 12,
        startSeq: 1,
        eventsHeld: 12,
        compared: 2,
        matches: true,
        eventsBefore: 2,
        eventsAfter: 3,
      },
    });
  });
});

describe("audit verify --json gives a broken chain as data too, exit 3", () => {
  it("a broken file prints { intact: false, problem } on stdout, its line on stderr", async () => {
    const result = await cli(["audit", "verify", tampered, "--json"]);
    expect(result.status).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({
      intact: false,
      problem: {
        kind: "altered",
        line: 4,
        seq: 4,
        eventId: eventOf(chain[3]).id,
        message:
          `event seq 4 (${eventOf(chain[3]).id}) was altered: ` +
          "its contents do not match its hash",
      },
    });
    expect(result.stderr).toMatch(/^error chain_broken: .*tampered\.ndjson line 4: event seq 4/);
  });

  it.each([
    {
      name: "an end event that differs from the gateway's is gateway_mismatch",
      file: () => otherChain,
      gateway: () => chain,
      option: "--head",
      problem: () => ({
        kind: "gateway_mismatch",
        line: 1,
        seq: 1,
        eventId: eventOf(otherChain[0]).id,
      }),
    },
    {
      name: "a file going past the gateway's head is beyond_head",
      file: () => chain,
      gateway: () => chain.slice(0, 10),
      option: "--head",
      problem: () => ({ kind: "beyond_head", line: 12, seq: 12, eventId: eventOf(chain[11]).id }),
    },
    {
      name: "a file starting after the gateway's chain is not_from_start",
      file: () => chain.slice(1),
      gateway: () => chain,
      option: "--from-start",
      problem: () => ({ kind: "not_from_start", line: 1, seq: 2, eventId: eventOf(chain[1]).id }),
    },
    {
      name: "an empty file is not_from_start, at no line",
      file: () => [],
      gateway: () => chain,
      option: "--from-start",
      problem: () => ({ kind: "not_from_start", line: null, seq: null, eventId: null }),
    },
  ])("--head: $name, named at its file and line", async ({ file, gateway, option, problem }) => {
    const path = await writeLines(dir, "head-json.ndjson", file());
    const { fetch } = chainGateway(gateway(), null);
    const result = await cli(["audit", "verify", path, option, "--json"], fetch);
    expect(result.status).toBe(3);
    const printed = JSON.parse(result.stdout);
    expect(printed).toEqual({
      intact: false,
      problem: { ...problem(), message: expect.any(String) },
    });
    const { line, message } = printed.problem;
    const where = line === null ? path : `${path} line ${line}`;
    expect(result.stderr).toBe(`error chain_broken: ${where}: ${message}\n`);
  });
});
