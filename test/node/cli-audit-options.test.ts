/**
 * `portcullis audit export`'s summary and its refusal to replace a file unasked, the forms the
 * audit time and limit options take (checked before anything is sent), and `--version`.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { cli, exportingGateway, fakeFetch, json, usageErrorOf } from "./fixtures.ts";
import { chainLines } from "./support/audit-lines.ts";

const ROOT = join(import.meta.dirname, "..", "..");

let dir: string;
let chain: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "portcullis-audit-options-"));
  chain = await chainLines(12);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("audit export", () => {
  function exportGateway(body: string, range = "1-12") {
    return exportingGateway(body, range);
  }

  it("--json gives the range as numbers", async () => {
    const { fetch } = exportGateway(`${chain.join("\n")}\n`);
    const out = join(dir, "json-export.ndjson");
    const result = await cli(["audit", "export", "--out", out, "--json"], fetch);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      file: out,
      events: 12,
      bytes: (await stat(out)).size,
      chain: "contiguous",
      first: 1,
      last: 12,
    });
  });

  it("refuses to replace an existing file (exit 2) unless --force, sending nothing", async () => {
    const out = join(dir, "kept.ndjson");
    await writeFile(out, "evidence\n");
    const { fetch, sent } = exportGateway(`${chain.join("\n")}\n`);

    const refused = await cli(["audit", "export", "--out", out], fetch);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^error file_exists: .*kept\.ndjson already exists; .*--force/);
    expect(sent).toEqual([]);
    expect(await readFile(out, "utf8")).toBe("evidence\n");

    const forced = await cli(["audit", "export", "--out", out, "--force"], fetch);
    expect(forced.status, forced.stderr).toBe(0);
    expect(await readFile(out, "utf8")).toBe(`${chain.join("\n")}\n`);
    await expect(stat(`${out}.partial`)).rejects.toThrow();
  });
});

describe("audit date and limit options", () => {
  it("every time option takes a date, meaning its 00:00 UTC", () => {
    expect(parseCommandLine(["audit", "--from", "2026-12-01"])).toMatchObject({
      query: { from: "2026-12-01T00:00:00Z" },
    });
    const exported = parseCommandLine(["audit", "export", "--out", "f", "--until", "2026-12-02"]);
    expect(exported).toMatchObject({ query: { until: "2026-12-02T00:00:00Z" } });
  });

  it("a date-time with an offset is sent in UTC", () => {
    const argv = ["audit", "list", "--to", "2026-12-04T10:13:05.250+01:00"];
    expect(parseCommandLine(argv)).toMatchObject({ query: { to: "2026-12-04T09:13:05.250Z" } });
  });

  it.each([
    [["audit", "--from", "yesterday"], '--from "yesterday" is not an ISO 8601 time'],
    [["audit", "--to", "2026-02-30"], '--to "2026-02-30" is not a real date'],
    [["audit", "export", "--out", "f", "--since", "2026-12-04T10:13:05"], "a zone is required"],
    [["audit", "--from", "2026-12-04T17:21Z"], "is not an ISO 8601 time"],
    [["audit", "export", "--out", "f", "--until", "2026-12-04 10:13Z"], "--until"],
    [["audit", "--from", "2026-12-02", "--to", "2026-12-01"], "--to must come after --from"],
    [["audit", "--limit", "1000"], '--limit "1000" is more than 500'],
    [["audit", "--limit", "0"], "--limit"],
  ])("refuses %j as a usage error", (argv, message) => {
    expect(usageErrorOf(() => parseCommandLine(argv)).message).toContain(message);
  });

  it("the list sends a date normalised; a bad one is exit 2, with nothing sent", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { events: [], nextCursor: null }));
    const accepted = await cli(["audit", "--from", "2026-12-01", "--limit", "500"], fetch);
    expect(accepted.status, accepted.stderr).toBe(0);
    const query = new URL(sent[0]?.url ?? "").searchParams;
    expect(query.get("from")).toBe("2026-12-01T00:00:00Z");
    expect(query.get("limit")).toBe("500");

    const refused = await cli(["audit", "--from", "yesterday"], fetch);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("error usage: --from");
    expect(sent).toHaveLength(1);
  });
});

describe("portcullis --version", () => {
  it.each(["--version", "-V"])("%s prints the package's version", async (flag) => {
    const manifest = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
    const result = await cli([flag]);
    expect(result).toEqual({ status: 0, stdout: `${manifest.version}\n`, stderr: "" });
  });
});
