import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../src/cli/args.ts";
import { EXIT_API_ERROR, EXIT_OK, EXIT_USAGE, run } from "../../src/cli/main.ts";
import type { Prompt } from "../../src/cli/outcome.ts";
import {
  type FetchLike,
  PortcullisClient,
  REVOKE_ALL_CONFIRMATION,
  type RevokeLinksInput,
} from "../../src/client/index.ts";
import { fakeFetch, json, KEY, LINK, VERSION } from "./fixtures.ts";

const ENV = { PORTCULLIS_URL: "https://gw.example.org", PORTCULLIS_API_KEY: KEY };
const COUNTS = { linksRevoked: 3, alreadyInactive: 1 };

function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error("expected a UsageError");
}

/** A terminal that answers each question with `answer`, and remembers what it was asked. */
function terminal(answer: string | null, isTTY = true) {
  const asked: string[] = [];
  const stdin: Prompt = {
    isTTY,
    ask: async (question) => {
      asked.push(question);
      return answer;
    },
  };
  return { stdin, asked };
}

async function cli(argv: string[], fetch?: FetchLike, stdin?: Prompt) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await run(argv, {
    stdout: { write: (text) => stdout.push(text) },
    stderr: { write: (text) => stderr.push(text), isTTY: false },
    ...(stdin ? { stdin } : {}),
    env: ENV,
    cwd: "/",
    ...(fetch ? { fetch } : {}),
  });
  return { status, stdout: stdout.join(""), stderr: stderr.join("") };
}

describe("parseCommandLine for revoke", () => {
  it("keeps the one-link form with its reason", () => {
    expect(parseCommandLine(["revoke", LINK.id, "--reason", "wrong ward"])).toEqual({
      command: "revoke",
      json: false,
      linkId: LINK.id,
      reason: "wrong ward",
    });
  });

  it.each([
    [["--version", VERSION.versionId], { versionId: VERSION.versionId }],
    [["--object", "hrrp-fy2024"], { objectName: "hrrp-fy2024" }],
    [["--subject", "okta|00u1abc"], { subjectId: "okta|00u1abc" }],
    [["--everything"], { everything: true }],
  ])("reads %j as the selector %j", (options, selector) => {
    expect(parseCommandLine(["revoke", ...options, "--note", "breach"])).toEqual({
      command: "revoke",
      json: false,
      selector,
      note: "breach",
      yes: false,
    });
  });

  it("takes --yes with --everything", () => {
    expect(parseCommandLine(["revoke", "--everything", "--yes"])).toMatchObject({
      selector: { everything: true },
      yes: true,
    });
  });

  it.each([
    [[], "revoke needs a LINK_ID, or one of --version"],
    [[LINK.id, "--version", VERSION.versionId], "a LINK_ID or one of"],
    [["--object", "a", "--subject", "b"], "not several"],
    [["--version", VERSION.versionId, "--everything"], "not several"],
    [[LINK.id, LINK.id], "at most one LINK_ID"],
    [[LINK.id, "--note", "x"], "--note goes with a bulk revocation"],
    [[LINK.id, "--yes"], "--yes goes with --everything"],
    [["--object", "a", "--yes"], "--yes goes with --everything"],
    [["--object", "a", "--reason", "x"], "--reason goes with LINK_ID"],
    [["--version", "hrrp-fy2024"], '--version "hrrp-fy2024" is not a version id'],
    [
      [VERSION.versionId],
      `to revoke every link to that version, use --version ${VERSION.versionId}`,
    ],
    [["key_x"], '"key_x" is not a link id (lnk_…).'],
    [["--everything", "yes"], "a LINK_ID or one of"],
  ])("refuses revoke %j as a usage error", (options, message) => {
    const error = usageErrorOf(() => parseCommandLine(["revoke", ...options]));
    expect(error.message).toContain(message);
    expect(error.command).toBe("revoke");
  });
});

describe("PortcullisClient.revokeLinks", () => {
  it.each([
    { versionId: VERSION.versionId },
    { objectName: "hrrp-fy2024", note: "recalled" },
    { subjectId: "okta|00u1abc" },
    { everything: true, confirm: REVOKE_ALL_CONFIRMATION },
  ] as RevokeLinksInput[])("posts %j to /v1/revocations as it is", async (input) => {
    const { fetch, sent } = fakeFetch(() => json(200, COUNTS));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    expect(await client.revokeLinks(input)).toEqual(COUNTS);
    expect(sent[0]?.method).toBe("POST");
    expect(sent[0]?.url).toBe("https://gw.example.org/v1/revocations");
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual(input);
  });

  it.each([
    ["two selectors", { versionId: VERSION.versionId, objectName: "x" }],
    ["no selector", { note: "why" }],
  ])("refuses %s with a TypeError, sending nothing", (_, input) => {
    const { fetch, sent } = fakeFetch(() => json(200, COUNTS));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    expect(() => client.revokeLinks(input as unknown as RevokeLinksInput)).toThrow(TypeError);
    expect(sent).toEqual([]);
  });
});

describe("portcullis revoke in bulk", () => {
  it("revokes by object with a note and prints both counts", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, COUNTS));

    const result = await cli(["revoke", "--object", "hrrp-fy2024", "--note", "recalled"], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      objectName: "hrrp-fy2024",
      note: "recalled",
    });
    expect(result.stdout).toBe(
      "Revoked 3 links to object hrrp-fy2024 (all its versions, bundles included).\n" +
        "linksRevoked     3\n" +
        "alreadyInactive  1\n",
    );
  });

  it.each([
    [["--version", VERSION.versionId], `Revoked 1 link to version ${VERSION.versionId} (bundles`],
    [["--subject", "okta|00u1abc"], "Revoked 1 link bound to subject okta|00u1abc."],
  ])("says what %j selected", async (options, heading) => {
    const { fetch } = fakeFetch(() => json(200, { linksRevoked: 1, alreadyInactive: 0 }));

    const result = await cli(["revoke", ...options], fetch);

    expect(result.stdout.startsWith(heading)).toBe(true);
  });

  it("with --json prints the API's counts only", async () => {
    const { fetch } = fakeFetch(() => json(200, COUNTS));

    const result = await cli(["revoke", "--subject", "okta|00u1abc", "--json"], fetch);

    expect(JSON.parse(result.stdout)).toEqual(COUNTS);
    expect(result.stderr).toBe("");
  });

  it("still revokes one link by its id", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { ...LINK, status: "revoked" }));

    const result = await cli(["revoke", LINK.id, "--reason", "wrong ward"], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(sent[0]?.url).toBe(`https://gw.example.org/v1/links/${LINK.id}/revoke`);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({ reason: "wrong ward" });
    expect(result.stdout).toMatch(/^status +revoked$/m);
  });

  it("shows the gateway's refusal of an unknown object, exit status 1", async () => {
    const { fetch } = fakeFetch(() => json(404, { code: "not_found", detail: "No such object." }));

    const result = await cli(["revoke", "--object", "nope"], fetch);

    expect(result.status).toBe(EXIT_API_ERROR);
    expect(result.stderr).toMatch(/^error not_found: No such object\./);
  });
});

describe("portcullis revoke --everything", () => {
  it("asks at a terminal, then sends the confirmation phrase", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, COUNTS));
    const { stdin, asked } = terminal("revoke all links");

    const result = await cli(["revoke", "--everything", "--note", "key leaked"], fetch, stdin);

    expect(result.status).toBe(EXIT_OK);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('Type "revoke all links" to go on: ');
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      everything: true,
      confirm: "revoke all links",
      note: "key leaked",
    });
    expect(result.stdout).toMatch(/^Revoked 3 links of the tenant\.$/m);
  });

  it.each([
    ["another answer", "yes"],
    ["no answer (Ctrl-D)", null],
  ])("sends nothing when given %s, exit status 2", async (_, answer) => {
    const { fetch, sent } = fakeFetch(() => json(200, COUNTS));

    const result = await cli(["revoke", "--everything"], fetch, terminal(answer).stdin);

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toBe(
      'error not_confirmed: Nothing was revoked: the answer was not "revoke all links".\n',
    );
    expect(sent).toEqual([]);
  });

  it("without a terminal refuses, unless --yes, and sends nothing", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, COUNTS));
    const { stdin, asked } = terminal("revoke all links", false);

    for (const given of [undefined, stdin]) {
      const result = await cli(["revoke", "--everything"], fetch, given);
      expect(result.status).toBe(EXIT_USAGE);
      expect(result.stderr).toMatch(
        /^error usage: .*without one, add --yes\. See portcullis revoke --help\.\n$/,
      );
    }
    expect(asked).toEqual([]);
    expect(sent).toEqual([]);
  });

  it("with --yes asks nothing and sends the confirmation phrase", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, COUNTS));
    const { stdin, asked } = terminal(null);

    const result = await cli(["revoke", "--everything", "--yes", "--json"], fetch, stdin);

    expect(result.status).toBe(EXIT_OK);
    expect(asked).toEqual([]);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      everything: true,
      confirm: "revoke all links",
    });
    expect(JSON.parse(result.stdout)).toEqual(COUNTS);
  });

  it("passes on the gateway's refusal for a key without admin", async () => {
    const { fetch } = fakeFetch(() =>
      json(403, { code: "insufficient_scope", detail: 'This action needs the "admin" scope.' }),
    );

    const result = await cli(["revoke", "--everything", "--yes"], fetch);

    expect(result.status).toBe(EXIT_API_ERROR);
    expect(result.stderr).toMatch(
      /^error insufficient_scope: This action needs the "admin" scope\./,
    );
  });

  it("the help page shows both forms and the confirmation", async () => {
    const result = await cli(["revoke", "--help"]);

    expect(result.stdout).toMatch(/^Usage: portcullis revoke LINK_ID \[--reason TEXT\]$/m);
    expect(result.stdout).toMatch(/^ +portcullis revoke --everything \[--yes\] \[--note TEXT\]$/m);
    expect(result.stdout).toContain('"revoke all links"');
  });
});
