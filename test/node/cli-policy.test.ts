import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { EXIT_API_ERROR, EXIT_OK, EXIT_USAGE } from "../../src/cli/main.ts";
import { formatDuration } from "../../src/cli/policy-commands.ts";
import { type FetchLike, PortcullisClient } from "../../src/client/index.ts";
import {
  BUILT_IN,
  cli as cliFrom,
  fakeFetch,
  json,
  KEY,
  POLICY,
  policyGateway,
  usageErrorOf,
} from "./fixtures.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "portcullis-policy-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The CLI run from this file's temporary directory, where policy files are written. */
const cli = (argv: string[], fetch?: FetchLike) => cliFrom(argv, fetch, dir);

describe("formatDuration", () => {
  it.each([
    [86_400, "1d"],
    [30 * 86_400, "30d"],
    [14_400, "4h"],
    [90_000, "25h"],
    [1800, "30m"],
    [5400, "90m"],
    [90, "90s"],
  ])("shows %i seconds as %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe("parseCommandLine for policy", () => {
  it("maps each field option onto its policy field", () => {
    expect(
      parseCommandLine([
        "policy",
        "set",
        "patient-linked",
        "--default-ttl",
        "2h",
        "--max-ttl",
        "24h",
        "--default-uses",
        "1",
        "--max-uses",
        "2",
        "--session-grace",
        "15m",
        "--retries",
        "0",
        "--identity-required",
        "yes",
        "--approval-required",
        "no",
        "--approval-ttl",
        "1d",
        "--required-constraints",
        "ipRanges,hours",
        "--retention",
        "30d",
        "--summary",
        "Patient-level data.",
      ]),
    ).toEqual({
      command: "policy set",
      json: false,
      class: "patient-linked",
      fields: {
        defaultTtlSeconds: 7200,
        maxTtlSeconds: 86_400,
        defaultUses: 1,
        maxUses: 2,
        sessionGraceSeconds: 900,
        retriesAfterLapse: 0,
        identityRequired: true,
        approvalRequired: false,
        approvalTtlSeconds: 86_400,
        requiredConstraints: ["ipRanges", "hours"],
        retentionSeconds: 2_592_000,
        summary: "Patient-level data.",
      },
    });
  });

  it("reads --retention forever as keeping files, and --required-constraints none as []", () => {
    expect(
      parseCommandLine([
        "policy",
        "set",
        "public",
        "--retention",
        "forever",
        "--required-constraints",
        "none",
      ]),
    ).toMatchObject({ fields: { retentionSeconds: null, requiredConstraints: [] } });
  });

  it("parses show, reset and set --file, and finds every help page", () => {
    expect(parseCommandLine(["policy", "show", "--json"])).toEqual({
      command: "policy show",
      json: true,
    });
    expect(parseCommandLine(["policy", "reset", "internal"])).toEqual({
      command: "policy reset",
      json: false,
      class: "internal",
    });
    expect(parseCommandLine(["policy", "set", "internal", "--file", "p.json"])).toEqual({
      command: "policy set",
      json: false,
      class: "internal",
      file: "p.json",
      fields: {},
    });
    expect(parseCommandLine(["policy"])).toEqual({ command: "help", topic: "policy" });
    expect(parseCommandLine(["help", "policy", "set"])).toEqual({
      command: "help",
      topic: "policy set",
    });
    expect(parseCommandLine(["policy", "reset", "--help"])).toEqual({
      command: "help",
      topic: "policy reset",
    });
  });

  it.each([
    [["policy", "set", "internal"], "needs --file FILE or at least one field option"],
    [["policy", "set", "secret", "--max-uses", "2"], "CLASS must be one of public, internal"],
    [["policy", "reset"], "one CLASS"],
    [["policy", "show", "internal"], "no operand"],
    [["policy", "set", "internal", "--max-uses", "0"], '--max-uses "0" is not a whole number'],
    [["policy", "set", "internal", "--retries", "2.5"], '--retries "2.5" is not a whole number'],
    [["policy", "set", "internal", "--max-ttl", "1w"], '--max-ttl "1w" is not a duration'],
    [["policy", "set", "internal", "--retention", "never"], '--retention "never"'],
    [["policy", "set", "internal", "--approval-required", "maybe"], "takes yes or no"],
    [["policy", "set", "internal", "--required-constraints", "ip"], '"ip" is not a constraint'],
    [["policy", "set", "internal", "--maxuses", "2"], "Unknown option '--maxuses'"],
    [["policy", "edit", "internal"], 'policy takes show, set, reset, settings, not "edit"'],
  ])("refuses %j as a usage error", (argv, message) => {
    expect(usageErrorOf(() => parseCommandLine(argv)).message).toContain(message);
  });
});

describe("PortcullisClient policy", () => {
  it("reads, replaces and resets through the documented methods and paths", async () => {
    const { fetch, sent } = policyGateway();
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });
    const internal = { ...BUILT_IN.classes.internal, maxUses: 3 };

    expect(await client.getPolicy()).toEqual(POLICY);
    expect((await client.putPolicy({ internal })).classes.internal).toEqual(internal);
    expect((await client.resetPolicy("patient-linked")).sources["patient-linked"]).toBe("built-in");

    expect(sent.map((request) => [request.method, request.url])).toEqual([
      ["GET", "https://gw.example.org/v1/policy"],
      ["PUT", "https://gw.example.org/v1/policy"],
      ["DELETE", "https://gw.example.org/v1/policy/patient-linked"],
    ]);
    expect(JSON.parse(sent[1]?.body ?? "")).toEqual({ classes: { internal } });
  });
});

describe("portcullis policy", () => {
  it("show prints a block per class with its source and readable values", async () => {
    const { fetch } = policyGateway();

    const result = await cli(["policy", "show"], fetch);

    expect(result.status).toBe(EXIT_OK);
    const blocks = result.stdout.trimEnd().split("\n\n");
    expect(blocks.map((block) => block.split("\n")[0])).toEqual([
      "public (built-in)",
      "internal (built-in)",
      "restricted (built-in)",
      "patient-linked (tenant)",
      "settings",
    ]);
    const patientLinked = blocks[3] ?? "";
    expect(patientLinked).toMatch(/^ {2}lifetime +default 4h, max 1d$/m);
    expect(patientLinked).toMatch(/^ {2}uses +default 1, max 2$/m);
    expect(patientLinked).toMatch(/^ {2}identity required +yes$/m);
    expect(patientLinked).toMatch(/^ {2}approval required +yes, within 1d$/m);
    expect(patientLinked).toMatch(/^ {2}retention +30d$/m);
    expect(blocks[0]).toMatch(/^ {2}retention +forever$/m);
    expect(blocks[0]).toMatch(/^ {2}required constraints +none$/m);
  });

  it("show --json prints the API's document unchanged", async () => {
    const { fetch } = policyGateway();
    expect(JSON.parse((await cli(["policy", "show", "--json"], fetch)).stdout)).toEqual(POLICY);
  });

  it("set starts from the current policy and changes only the fields given", async () => {
    const { fetch, sent } = policyGateway();

    const result = await cli(
      ["policy", "set", "internal", "--max-uses", "3", "--max-ttl", "2d"],
      fetch,
    );

    expect(result.status).toBe(EXIT_OK);
    expect(sent.map((request) => request.method)).toEqual(["GET", "PUT"]);
    expect(JSON.parse(sent[1]?.body ?? "")).toEqual({
      classes: { internal: { ...BUILT_IN.classes.internal, maxUses: 3, maxTtlSeconds: 172_800 } },
    });
    expect(result.stdout).toMatch(/^Changed the internal policy\.\ninternal \(tenant\)$/m);
    expect(result.stdout).toMatch(/^ {2}uses +default 5, max 3$/m);
    expect(result.stderr).toBe(
      "Links issued before this change keep the terms they were issued with; " +
        "revoke them to end them.\n",
    );
  });

  it("set --file replaces the class with the file's policy, options applied on top", async () => {
    const path = join(dir, "restricted.json");
    const fromFile = { ...BUILT_IN.classes.restricted, summary: "Ward staff only." };
    await writeFile(path, JSON.stringify(fromFile));
    const { fetch, sent } = policyGateway();

    const result = await cli(
      ["policy", "set", "restricted", "--file", path, "--max-uses", "2"],
      fetch,
    );

    expect(result.status).toBe(EXIT_OK);
    expect(JSON.parse(sent.at(-1)?.body ?? "")).toEqual({
      classes: { restricted: { ...fromFile, maxUses: 2 } },
    });
  });

  it("set says so when the class already had that policy, without the change notice", async () => {
    const { fetch } = policyGateway();

    const result = await cli(["policy", "set", "internal", "--max-uses", "100"], fetch);

    expect(result.stdout).toMatch(/^The internal policy already was this; nothing changed\.$/m);
    expect(result.stderr).toBe("");
  });

  it.each([
    ["missing", null, /^error file_not_found: .*missing\.json does not exist\.\n$/],
    ["not JSON", "{ maxUses: 2", /^error invalid_policy_file: .*is not JSON\.\n$/],
    ["an array", "[1, 2]", /^error invalid_policy_file: .*must hold one class's policy/],
  ])("set --file with a file %s is a local error that sends nothing", async (_, text, error) => {
    const path = join(dir, text === null ? "missing.json" : `bad-${Math.random()}.json`);
    if (text !== null) await writeFile(path, text);
    const { fetch, sent } = policyGateway();

    const result = await cli(["policy", "set", "internal", "--file", path], fetch);

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(error);
    expect(sent).toEqual([]);
  });

  it("set shows the gateway's refusal naming the field, exit status 1", async () => {
    const { fetch } = fakeFetch((request) =>
      request.method === "GET"
        ? json(200, POLICY)
        : json(400, {
            code: "invalid_request",
            detail:
              "classes.internal.defaultUses: " +
              "The default number of uses may not exceed the maximum.",
          }),
    );

    const result = await cli(["policy", "set", "internal", "--max-uses", "2"], fetch);

    expect(result.status).toBe(EXIT_API_ERROR);
    expect(result.stderr).toMatch(/^error invalid_request: classes\.internal\.defaultUses: /);
  });

  it("reset deletes the class's policy and prints the built-in one", async () => {
    const { fetch, sent } = policyGateway();

    const result = await cli(["policy", "reset", "patient-linked"], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(sent.at(-1)?.method).toBe("DELETE");
    expect(result.stdout).toMatch(/^The patient-linked policy is the built-in one again\.$/m);
    expect(result.stdout).toMatch(/^patient-linked \(built-in\)$/m);
    expect(result.stdout).toMatch(/^ {2}uses +default 1, max 1$/m);
    expect(result.stderr).toContain("keep the terms they were issued with");
  });

  it("has a help page for the group and for each command", async () => {
    expect((await cli(["policy", "--help"])).stdout).toMatch(/^Usage: portcullis policy <show/);
    for (const action of ["show", "set", "reset"]) {
      const result = await cli(["policy", action, "--help"]);
      expect(result.status).toBe(EXIT_OK);
      expect(result.stdout).toMatch(new RegExp(`^Usage: portcullis policy ${action}`));
    }
    expect((await cli(["policy", "set", "-h"])).stdout).toContain("--required-constraints");
    expect((await cli(["--help"])).stdout).toContain("policy set CLASS");
  });
});
