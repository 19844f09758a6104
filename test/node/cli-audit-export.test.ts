/**
 * `portcullis audit export` and `audit list` on the command line, against a gateway faked in the
 * test: where an export may be written is settled before anything is fetched, a failure to write
 * it is a local error (exit 2) and never "internal", an option is given once, list finds one
 * position of the chain, and times finer than a millisecond round up.
 */
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { parseAuditTime } from "../../src/cli/audit-options.ts";
import { cli, exportingGateway, fakeFetch, json, usageErrorOf } from "./fixtures.ts";
import { chainLines } from "./support/audit-lines.ts";

/** The real rename, unless a test makes the next call fail as a full disk or a race would. */
const renameFailure = vi.hoisted(() => ({ next: null as NodeJS.ErrnoException | null }));
vi.mock("node:fs/promises", async (original) => {
  const actual = await original<typeof import("node:fs/promises")>();
  const rename: typeof actual.rename = async (from, to) => {
    const failure = renameFailure.next;
    renameFailure.next = null;
    if (failure) throw failure;
    return actual.rename(from, to);
  };
  return { ...actual, rename };
});

let dir: string;
let body: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "portcullis-audit-export-"));
  body = `${(await chainLines(3)).join("\n")}\n`;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function exportGateway() {
  return exportingGateway(body, "1-3");
}

describe("audit export: where --out may go is checked before anything is fetched", () => {
  it("a directory is refused (exit 2, not_a_file), with or without --force", async () => {
    const target = join(dir, "dd");
    await mkdir(target);
    const { fetch, sent } = exportGateway();

    for (const force of [[], ["--force"]]) {
      const result = await cli(["audit", "export", "--out", target, ...force], fetch);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(
        `error not_a_file: --out ${target} is a directory; name a file for the export, ` +
          `e.g. ${target}/audit.ndjson.\n`,
      );
    }
    expect(sent).toEqual([]);
    expect(await readdir(dir)).not.toContain("dd.partial");
  });

  it("a directory that does not exist is refused (exit 2, directory_not_found)", async () => {
    const target = join(dir, "missing", "a.ndjson");
    const { fetch, sent } = exportGateway();

    const result = await cli(["audit", "export", "--out", target, "--force"], fetch);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `error directory_not_found: --out ${target}: ${join(dir, "missing")} does not exist; ` +
        "create the directory first, or choose another --out.\n",
    );
    expect(sent).toEqual([]);
  });

  it("a device or a link (/dev/stdout is one) is refused even with --force", async () => {
    // A link to a regular file: renaming onto it would replace the link, not the file.
    const kept = join(dir, "kept.ndjson");
    await writeFile(kept, "evidence\n");
    const link = join(dir, "latest.ndjson");
    await symlink(kept, link);
    const { fetch, sent } = exportGateway();

    for (const [target, kind] of [
      ["/dev/null", "a device"],
      [link, "a symbolic link"],
    ]) {
      const result = await cli(["audit", "export", "--out", target ?? "", "--force"], fetch);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        `error not_a_file: --out ${target} is ${kind}, not a regular file: a finished export ` +
          "is renamed onto FILE, replacing what is there, so --out must name a regular file or " +
          "a new one. Standard output cannot take an export: see portcullis audit export " +
          "--help.\n",
      );
    }
    expect(sent).toEqual([]);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(kept, "utf8")).toBe("evidence\n");
  });

  it("--out - (standard output) is a usage error, with nothing fetched", async () => {
    const { fetch, sent } = exportGateway();

    const result = await cli(["audit", "export", "--out", "-"], fetch);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      /^error usage: --out - \(standard output\) is not supported: standard output carries /,
    );
    expect(sent).toEqual([]);
  });

  it("a repeated filter is a usage error, not an export of its last value", async () => {
    const { fetch, sent } = exportGateway();
    const out = join(dir, "q.ndjson");

    const result = await cli(
      ["audit", "export", "--link", "lnk_1", "--link", "lnk_2", "--out", out],
      fetch,
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error usage: --link is given more than once;/);
    expect(sent).toEqual([]);
    expect(await readdir(dir)).not.toContain("q.ndjson");
  });
});

describe("audit export: failures after the fetch leave no file behind", () => {
  it("a failed final rename is file_unwritable (exit 2), never internal", async () => {
    const out = join(dir, "renamed.ndjson");
    renameFailure.next = Object.assign(new Error("EISDIR: illegal operation on a directory"), {
      code: "EISDIR",
    });

    const result = await cli(["audit", "export", "--out", out], exportGateway().fetch);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `error file_unwritable: cannot rename the finished export ${out}.partial to ${out} ` +
        `(EISDIR); nothing was written to ${out}.\n`,
    );
    const left = await readdir(dir);
    expect(left).not.toContain("renamed.ndjson");
    expect(left).not.toContain("renamed.ndjson.partial");
  });

  it("a leftover FILE.partial is replaced, not reused: the export gets a fresh file", async () => {
    const out = join(dir, "leftover.ndjson");
    await writeFile(`${out}.partial`, "half an export");
    await chmod(`${out}.partial`, 0o000);
    const { fetch } = exportGateway();

    const result = await cli(["audit", "export", "--out", out], fetch);
    expect(result.status, result.stderr).toBe(0);
    expect(await readFile(out, "utf8")).toBe(body);
    expect((await lstat(out)).mode & 0o600).toBe(0o600);
  });

  it("an export the API refuses leaves neither FILE nor FILE.partial", async () => {
    const out = join(dir, "refused.ndjson");
    const { fetch } = fakeFetch(() =>
      json(403, { code: "insufficient_scope", detail: "The key lacks audit:read." }),
    );

    const result = await cli(["audit", "export", "--out", out], fetch);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error insufficient_scope: /);
    const left = await readdir(dir);
    expect(left).not.toContain("refused.ndjson");
    expect(left).not.toContain("refused.ndjson.partial");
  });
});

describe("audit list --seq", () => {
  it("sends the position asked for, as the API's seq", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { events: [], nextCursor: null }));

    const result = await cli(["audit", "--seq", "42"], fetch);
    expect(result.status, result.stderr).toBe(0);
    expect(new URL(sent[0]?.url ?? "").searchParams.get("seq")).toBe("42");
    expect(parseCommandLine(["audit", "list", "--seq", "7"])).toMatchObject({
      command: "audit list",
      query: { seq: 7 },
    });
  });

  it.each(["0", "-1", "1.5", "x", "1e3"])(
    "--seq %s is not a position: exit 2, with nothing sent",
    async (seq) => {
      const { fetch, sent } = fakeFetch(() => json(200, { events: [], nextCursor: null }));

      const result = await cli(["audit", "--seq", seq], fetch);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`error usage: --seq "${seq}" is not a whole number of at`);
      expect(sent).toEqual([]);
    },
  );
});

describe("audit --limit", () => {
  it("--limit -1 says the range of a limit, not that an argument is ambiguous", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { events: [], nextCursor: null }));

    const result = await cli(["audit", "--limit", "-1"], fetch);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'error usage: --limit must be a whole number from 1 to 500, not "-1". ' +
        "See portcullis audit list --help.\n",
    );
    expect(sent).toEqual([]);
  });
});

describe("audit times finer than a millisecond round up to the next millisecond", () => {
  it.each([
    ["2026-12-04T10:00:50.617999Z", "2026-12-04T10:00:50.618Z"],
    ["2026-12-04T10:00:50.617000001Z", "2026-12-04T10:00:50.618Z"],
    ["2026-12-04T10:00:50.617000000Z", "2026-12-04T10:00:50.617Z"],
    ["2026-12-04T10:00:50.6Z", "2026-12-04T10:00:50.600Z"],
    ["2026-12-04T10:00:59.9991Z", "2026-12-04T10:01:00Z"],
    ["2026-12-04T05:00:50.1234-05:00", "2026-12-04T10:00:50.124Z"],
    ["2026-12-31T23:59:59.999001-05:00", "2027-01-01T05:00:00Z"],
    ["2026-12-04T11:30:00.0000001+01:30", "2026-12-04T10:00:00.001Z"],
  ])("%s is sent as %s", (given, sent) => {
    expect(parseAuditTime("since", given)).toBe(sent);
  });

  it("an event at .617 is left out by a start of .617999, and kept by an end of .617999", () => {
    const event = Date.parse("2026-12-04T10:00:50.617Z");
    const time = "2026-12-04T10:00:50.617999Z";
    const argv = ["audit", "export", "--out", "f", "--since", time, "--until", "2026-12-05"];
    const { query } = parseCommandLine(argv) as { query: { since: string } };
    // Inclusive start: the event is in the range exactly when it is at or after the start.
    expect(event >= Date.parse(query.since)).toBe(false);
    expect(Date.parse(query.since)).toBe(event + 1);

    const list = parseCommandLine(["audit", "--to", time]) as { query: { to: string } };
    // Exclusive end: the event is in the range exactly when it is before the end.
    expect(event < Date.parse(list.query.to)).toBe(true);
    expect(list.query.to).toBe("2026-12-04T10:00:50.618Z");
    const until = ["audit", "export", "--out", "f", "--until", time];
    expect(parseCommandLine(until)).toMatchObject({ query: { until: list.query.to } });
  });

  it("a range with no whole millisecond in it is refused, naming both ends", () => {
    const argv = ["audit", "--from", "2026-12-04T10:00:50.6171Z"];
    const error = usageErrorOf(() =>
      parseCommandLine([...argv, "--to", "2026-12-04T10:00:50.618Z"]),
    );
    expect(error.message).toBe("--to must come after --from.");
  });
});
