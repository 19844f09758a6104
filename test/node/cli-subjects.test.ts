import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { EXIT_API_ERROR, EXIT_OK, EXIT_USAGE } from "../../src/cli/main.ts";
import { type FetchLike, PortcullisClient } from "../../src/client/index.ts";
import { cli, fakeFetch, json, KEY, SUBJECT, usageErrorOf } from "./fixtures.ts";

/** The subject's id as it goes in a path. */
const SUBJECT_PATH = "https://gw.example.org/v1/subjects/okta%7C00u1abc";
const INACTIVE = { ...SUBJECT, active: false, deactivatedAt: "2026-01-02T00:00:00.000Z" };

function clientWith(fetch: FetchLike) {
  return new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });
}

describe("parseCommandLine for subjects", () => {
  it("reads put's roles, attributes, e-mail and name into the subject", () => {
    expect(
      parseCommandLine([
        "subjects",
        "put",
        SUBJECT.id,
        "--role",
        "cardiology",
        "--role",
        "research",
        "--attr",
        "facility=st-anne",
        "--attr",
        "panel=heart=failure",
        "--email",
        SUBJECT.email,
        "--name",
        "Dr. Okafor",
      ]),
    ).toEqual({
      command: "subjects put",
      json: false,
      subjectId: SUBJECT.id,
      subject: {
        roles: ["cardiology", "research"],
        attributes: { facility: "st-anne", panel: "heart=failure" },
        email: SUBJECT.email,
        displayName: "Dr. Okafor",
      },
    });
  });

  it("takes --no-roles as a subject that belongs to no group", () => {
    expect(parseCommandLine(["subjects", "put", "s-1", "--no-roles"])).toMatchObject({
      subject: { roles: [], attributes: {} },
    });
  });

  it("reads list's filters: role, state, limit and cursor", () => {
    expect(parseCommandLine(["subjects", "list", "--role", "research", "--inactive"])).toEqual({
      command: "subjects list",
      json: false,
      filter: { role: "research", active: false },
    });
    expect(
      parseCommandLine(["subjects", "list", "--active", "--limit", "10", "--cursor", "abc"]),
    ).toMatchObject({ filter: { active: true, limit: 10, cursor: "abc" } });
    expect(parseCommandLine(["subjects", "list"])).toMatchObject({ filter: {} });
  });

  it.each([
    [["put", "s-1"], "subjects put needs --role ROLE (repeat for several), or --no-roles"],
    [["put", "s-1", "--role", "a", "--no-roles"], "Give --role or --no-roles, not both."],
    [["put", "s-1", "--role", "a", "--role", "a"], '--role "a" is given twice.'],
    [["put", "s-1", "--role", "a", "--attr", "facility"], '--attr "facility" is not key=value.'],
    [["put", "s-1", "--role", "a", "--attr", "f=1", "--attr", "f=2"], '--attr "f" is given twice.'],
    [["put", "--role", "a"], "subjects put takes one SUBJECT_ID."],
    [["show"], "subjects show takes one SUBJECT_ID."],
    [["deactivate", "a", "b"], "subjects deactivate takes one SUBJECT_ID."],
    [["list", "s-1"], "subjects list takes no operand."],
    [["list", "--active", "--inactive"], "Give --active or --inactive, not both."],
    [["list", "--limit", "0"], '--limit "0" is not a whole number'],
    [["remove", "s-1"], 'subjects takes put, show, list, deactivate, not "remove".'],
  ])("refuses subjects %j as a usage error", (argv, message) => {
    const error = usageErrorOf(() => parseCommandLine(["subjects", ...argv]));
    expect(error.message).toContain(message);
    expect(error.command).toBe(argv[0] === "remove" ? "subjects" : `subjects ${argv[0]}`);
  });
});

describe("PortcullisClient subjects", () => {
  it("puts a subject at its percent-encoded path and says whether it was created", async () => {
    let status = 201;
    const { fetch, sent } = fakeFetch(() => json(status, { subject: SUBJECT, linksRevoked: 0 }));
    const client = clientWith(fetch);
    const input = { roles: ["cardiology"], email: SUBJECT.email };

    expect(await client.putSubject(SUBJECT.id, input)).toEqual({
      subject: SUBJECT,
      linksRevoked: 0,
      created: true,
    });
    status = 200;
    expect((await client.putSubject(SUBJECT.id, input)).created).toBe(false);

    expect(sent[0]?.method).toBe("PUT");
    expect(sent[0]?.url).toBe(SUBJECT_PATH);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      roles: ["cardiology"],
      email: SUBJECT.email,
      attributes: {},
    });
  });

  it("reads, lists and deactivates through the documented methods and paths", async () => {
    const { fetch, sent } = fakeFetch((request) => {
      if (request.method === "DELETE") return json(200, { subject: INACTIVE, linksRevoked: 2 });
      if (request.url.includes("?") || request.url.endsWith("/subjects")) {
        return json(200, { subjects: [SUBJECT], nextCursor: null });
      }
      return json(200, SUBJECT);
    });
    const client = clientWith(fetch);

    expect(await client.getSubject(SUBJECT.id)).toEqual(SUBJECT);
    expect(await client.listSubjects({ role: "research", active: false, limit: 5 })).toEqual({
      subjects: [SUBJECT],
      nextCursor: null,
    });
    expect(await client.listSubjects()).toMatchObject({ subjects: [SUBJECT] });
    expect(await client.deactivateSubject(SUBJECT.id)).toEqual({
      subject: INACTIVE,
      linksRevoked: 2,
    });

    expect(sent.map((request) => [request.method, request.url])).toEqual([
      ["GET", SUBJECT_PATH],
      ["GET", "https://gw.example.org/v1/subjects?role=research&active=false&limit=5"],
      ["GET", "https://gw.example.org/v1/subjects"],
      ["DELETE", SUBJECT_PATH],
    ]);
  });
});

describe("portcullis subjects", () => {
  it("put prints the new subject, and no linksRevoked line when none was revoked", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, { subject: SUBJECT, linksRevoked: 0 }));

    const result = await cli(
      ["subjects", "put", SUBJECT.id, "--role", "cardiology", "--role", "research"],
      fetch,
    );

    expect(result.status).toBe(EXIT_OK);
    expect(sent[0]?.url).toBe(SUBJECT_PATH);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      roles: ["cardiology", "research"],
      attributes: {},
    });
    expect(result.stdout).toMatch(/^Created subject okta\|00u1abc\.$/m);
    expect(result.stdout).toMatch(/^name +Dr\. Okafor$/m);
    expect(result.stdout).toMatch(/^roles +cardiology, research$/m);
    expect(result.stdout).toMatch(/^attributes +facility=st-anne$/m);
    expect(result.stdout).toMatch(/^active +yes$/m);
    expect(result.stdout).not.toContain("linksRevoked");
  });

  it("put that drops a role prints how many links it revoked", async () => {
    const replaced = { ...SUBJECT, roles: ["research"], updatedAt: "2026-01-02T00:00:00.000Z" };
    const { fetch } = fakeFetch(() => json(200, { subject: replaced, linksRevoked: 2 }));

    const result = await cli(["subjects", "put", SUBJECT.id, "--role", "research"], fetch);

    expect(result.stdout).toMatch(/^Replaced subject okta\|00u1abc\.$/m);
    expect(result.stdout).toMatch(/^linksRevoked +2 \(bound through roles it no longer has\)$/m);
  });

  it("put --json prints the change with created", async () => {
    const { fetch } = fakeFetch(() => json(200, { subject: SUBJECT, linksRevoked: 1 }));

    const result = await cli(["subjects", "put", SUBJECT.id, "--no-roles", "--json"], fetch);

    expect(JSON.parse(result.stdout)).toEqual({
      subject: SUBJECT,
      linksRevoked: 1,
      created: false,
    });
  });

  it("show leaves out a missing name and e-mail, and says since when it is inactive", async () => {
    const bare = { ...INACTIVE, displayName: null, email: null, roles: [], attributes: {} };
    const { fetch } = fakeFetch(() => json(200, bare));

    const result = await cli(["subjects", "show", SUBJECT.id], fetch);

    expect(result.stdout).not.toMatch(/^(name|email) /m);
    expect(result.stdout).toMatch(/^roles +none$/m);
    expect(result.stdout).toMatch(/^active +no, since 2026-01-02T00:00:00\.000Z$/m);
  });

  it("show of an unknown subject is the API's not_found, exit status 1", async () => {
    const { fetch } = fakeFetch(() => json(404, { code: "not_found", detail: "No such subject." }));

    const result = await cli(["subjects", "show", "nobody"], fetch);

    expect(result.status).toBe(EXIT_API_ERROR);
    expect(result.stderr).toMatch(/^error not_found: No such subject\./);
  });

  it("list prints a table, and the cursor of the next page", async () => {
    const { fetch, sent } = fakeFetch(() =>
      json(200, { subjects: [SUBJECT, INACTIVE], nextCursor: "b2t0YQ" }),
    );

    const result = await cli(["subjects", "list", "--role", "research"], fetch);

    const [header, first, second, more] = result.stdout.trimEnd().split("\n");
    expect(new URL(sent[0]?.url ?? "").searchParams.get("role")).toBe("research");
    expect(header?.split(/ {2,}/)).toEqual(["id", "name", "email", "roles", "active"]);
    expect(first?.split(/ {2,}/)).toEqual([
      SUBJECT.id,
      "Dr. Okafor",
      SUBJECT.email,
      "cardiology,research",
      "yes",
    ]);
    expect(second).toMatch(/ no$/);
    expect(more).toBe("More subjects: add --cursor b2t0YQ");
  });

  it("list says so when no subject matches", async () => {
    const { fetch } = fakeFetch(() => json(200, { subjects: [], nextCursor: null }));
    expect((await cli(["subjects", "list", "--inactive"], fetch)).stdout).toBe(
      "No subjects match.\n",
    );
  });

  it("deactivate deletes the subject and prints how many links it revoked", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { subject: INACTIVE, linksRevoked: 3 }));

    const result = await cli(["subjects", "deactivate", SUBJECT.id], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(sent.map((request) => [request.method, request.url])).toEqual([
      ["DELETE", SUBJECT_PATH],
    ]);
    expect(result.stdout).toMatch(/^Deactivated subject okta\|00u1abc\.$/m);
    expect(result.stdout).toMatch(/^linksRevoked +3 \(every live link bound to the subject\)$/m);
  });

  it("a put without roles is a usage error that sends nothing", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, {}));

    const result = await cli(["subjects", "put", SUBJECT.id, "--email", SUBJECT.email], fetch);

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/--no-roles.*See portcullis subjects put --help\.\n$/);
    expect(sent).toEqual([]);
  });

  it("has a help page for the group and for each command", async () => {
    expect((await cli(["subjects"])).stdout).toMatch(/^Usage: portcullis subjects <put\|show/);
    for (const action of ["put", "show", "list", "deactivate"]) {
      const result = await cli(["subjects", action, "--help"]);
      expect(result.status).toBe(EXIT_OK);
      expect(result.stdout).toMatch(new RegExp(`^Usage: portcullis subjects ${action}`));
    }
    expect((await cli(["help", "subjects", "put"])).stdout).toContain("--no-roles");
    expect((await cli(["--help"])).stdout).toContain("subjects deactivate SUBJECT_ID");
  });
});
