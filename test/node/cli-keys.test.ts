import { describe, expect, it } from "vitest";
import { parseCommandLine, parseScopes } from "../../src/cli/args.ts";
import { helpText } from "../../src/cli/help.ts";
import { EXIT_API_ERROR, EXIT_OK, EXIT_USAGE } from "../../src/cli/main.ts";
import { PortcullisClient } from "../../src/client/index.ts";
import { cli, fakeFetch, json, KEY, usageErrorOf } from "./fixtures.ts";

const API_KEY = {
  id: "key_CCCCCCCCCCCCCCCCCCCCCC",
  name: "nightly-export",
  scopes: ["publish", "issue"],
  createdAt: "2026-01-01T00:00:00.000Z",
  revokedAt: null,
  createdBy: "alice",
};
const NEW_KEY = "pcl.CCCCCCCCCCCCCCCCCCCCCC.DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD";

describe("parseScopes", () => {
  it("reads a comma-separated list in order, ignoring spaces around names", () => {
    expect(parseScopes("publish, audit:read,admin")).toEqual(["publish", "audit:read", "admin"]);
  });

  it.each(["superuser", "publish,", "", "Publish"])(
    "refuses %j and lists the valid scopes",
    (text) => {
      expect(usageErrorOf(() => parseScopes(text)).message).toContain(
        "valid scopes are publish, issue, revoke, approve, audit:read, admin.",
      );
    },
  );

  it("refuses a scope given twice", () => {
    expect(usageErrorOf(() => parseScopes("issue,issue")).message).toContain(
      '"issue" is given twice',
    );
  });
});

describe("parseCommandLine for keys", () => {
  it("parses keys create, list and revoke", () => {
    expect(
      parseCommandLine(["keys", "create", "--name", "ci", "--scopes", "publish,issue", "--json"]),
    ).toEqual({ command: "keys create", json: true, name: "ci", scopes: ["publish", "issue"] });
    expect(parseCommandLine(["keys", "list"])).toEqual({ command: "keys list", json: false });
    expect(parseCommandLine(["keys", "revoke", API_KEY.id])).toEqual({
      command: "keys revoke",
      json: false,
      keyId: API_KEY.id,
    });
  });

  it("finds the help of the group and of each command in it", () => {
    for (const argv of [["keys"], ["keys", "--help"], ["help", "keys"]]) {
      expect(parseCommandLine(argv)).toEqual({ command: "help", topic: "keys" });
    }
    expect(parseCommandLine(["keys", "create", "-h"])).toEqual({
      command: "help",
      topic: "keys create",
    });
    expect(parseCommandLine(["help", "keys", "revoke"])).toEqual({
      command: "help",
      topic: "keys revoke",
    });
  });

  it("points an unknown scope at the help of keys create", () => {
    const error = usageErrorOf(() =>
      parseCommandLine(["keys", "create", "--name", "ci", "--scopes", "root"]),
    );
    expect(error.command).toBe("keys create");
    expect(error.message).toContain("valid scopes are publish, issue, revoke, approve");
  });

  it.each([
    [["keys", "create", "--scopes", "publish"], "--name"],
    [["keys", "create", "--name", "ci"], "--scopes"],
    [["keys", "revoke"], "one KEY_ID"],
    [["keys", "list", "extra"], "no operand"],
    [["keys", "rotate"], 'not "rotate"'],
    [["help", "keys", "rotate"], 'no command "keys rotate"'],
  ])("refuses %j as a usage error", (argv, message) => {
    expect(usageErrorOf(() => parseCommandLine(argv)).message).toContain(message);
  });
});

describe("PortcullisClient keys", () => {
  it("creates, lists and revokes through the documented paths", async () => {
    const { fetch, sent } = fakeFetch((request) => {
      if (request.url.endsWith("/v1/keys") && request.method === "POST") {
        return json(201, { ...API_KEY, key: NEW_KEY });
      }
      if (request.url.endsWith("/revoke")) return json(200, { ...API_KEY, revokedAt: "x" });
      return json(200, { keys: [API_KEY] });
    });
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    expect((await client.createKey({ name: "ci", scopes: ["publish"] })).key).toBe(NEW_KEY);
    expect(await client.listKeys()).toEqual([API_KEY]);
    expect((await client.revokeKey(API_KEY.id)).revokedAt).toBe("x");

    expect(sent.map((request) => [request.method, request.url])).toEqual([
      ["POST", "https://gw.example.org/v1/keys"],
      ["GET", "https://gw.example.org/v1/keys"],
      ["POST", `https://gw.example.org/v1/keys/${API_KEY.id}/revoke`],
    ]);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({ name: "ci", scopes: ["publish"] });
  });

  it("refuses an answer to createKey without the key as unexpected_response", async () => {
    const { fetch } = fakeFetch(() => json(201, API_KEY));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    await expect(client.createKey({ name: "ci", scopes: ["publish"] })).rejects.toMatchObject({
      code: "unexpected_response",
    });
  });
});

describe("portcullis keys", () => {
  it("create prints the key once, and on stderr a warning to store it now", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, { ...API_KEY, key: NEW_KEY }));

    const result = await cli(
      ["keys", "create", "--name", "ci", "--scopes", "publish,issue"],
      fetch,
    );

    expect(result.status).toBe(EXIT_OK);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({ name: "ci", scopes: ["publish", "issue"] });
    expect(result.stdout).toMatch(new RegExp(`^key +${NEW_KEY.replaceAll(".", "\\.")}$`, "m"));
    expect(result.stdout.split(NEW_KEY)).toHaveLength(2);
    expect(result.stdout).toMatch(/^scopes +publish,issue$/m);
    expect(result.stderr).toBe(
      "Store this key now: it is shown only this once and cannot be recovered.\n",
    );
  });

  it("create --json prints one JSON document that includes the key", async () => {
    const { fetch } = fakeFetch(() => json(201, { ...API_KEY, key: NEW_KEY }));

    const result = await cli(
      ["keys", "create", "--name", "ci", "--scopes", "issue", "--json"],
      fetch,
    );

    expect(result.status).toBe(EXIT_OK);
    expect(JSON.parse(result.stdout)).toEqual({ ...API_KEY, key: NEW_KEY });
    expect(result.stderr).toContain("Store this key now");
  });

  it("create with an unknown scope is a usage error that sends nothing", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, {}));

    const result = await cli(["keys", "create", "--name", "ci", "--scopes", "publish,god"], fetch);

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(
      new RegExp(
        '^error usage: --scopes: "god" is not a scope; valid scopes are publish, issue, revoke, ' +
          "approve, audit:read, admin\\. See portcullis keys create --help\\.\\n$",
      ),
    );
    expect(sent).toEqual([]);
  });

  it("list prints one row per key, revoked ones marked, and never a key", async () => {
    const revoked = {
      ...API_KEY,
      id: "key_EEEEEEEEEEEEEEEEEEEEEE",
      createdBy: null,
      revokedAt: "2026-02-01T00:00:00.000Z",
    };
    const { fetch } = fakeFetch(() => json(200, { keys: [API_KEY, revoked] }));

    const result = await cli(["keys", "list"], fetch);

    const [header, first, second] = result.stdout.trimEnd().split("\n");
    expect(header?.split(/ +/)).toEqual([
      "id",
      "name",
      "scopes",
      "createdAt",
      "createdBy",
      "revokedAt",
    ]);
    expect(first?.split(/ +/)).toEqual([
      API_KEY.id,
      "nightly-export",
      "publish,issue",
      API_KEY.createdAt,
      "alice",
    ]);
    expect(second?.split(/ +/)).toEqual([
      revoked.id,
      "nightly-export",
      "publish,issue",
      API_KEY.createdAt,
      revoked.revokedAt,
    ]);
    expect(result.stdout).not.toContain("pcl.");
  });

  it("revoke prints the revoked key; with --json, the key as the API answered it", async () => {
    const answer = { ...API_KEY, revokedAt: "2026-02-01T00:00:00.000Z" };
    const { fetch, sent } = fakeFetch(() => json(200, answer));

    const text = await cli(["keys", "revoke", API_KEY.id], fetch);
    const asJson = await cli(["keys", "revoke", API_KEY.id, "--json"], fetch);

    expect(sent[0]?.url).toBe(`https://gw.example.org/v1/keys/${API_KEY.id}/revoke`);
    expect(text.stdout).toMatch(new RegExp(`^Revoked ${API_KEY.id}\\.$`, "m"));
    expect(text.stdout).toMatch(/^revokedAt +2026-02-01T00:00:00\.000Z$/m);
    expect(JSON.parse(asJson.stdout)).toEqual(answer);
  });

  it("a key without the admin scope gets the API's refusal, exit status 1", async () => {
    const { fetch } = fakeFetch(() =>
      json(403, { code: "insufficient_scope", detail: 'This action needs the "admin" scope.' }),
    );

    const result = await cli(["keys", "list"], fetch);

    expect(result.status).toBe(EXIT_API_ERROR);
    expect(result.stderr).toMatch(
      /^error insufficient_scope: This action needs the "admin" scope\./,
    );
  });

  it("has a help page for the group and for each command", async () => {
    expect((await cli(["keys", "--help"])).stdout).toMatch(/^Usage: portcullis keys <create/);
    for (const action of ["create", "list", "revoke"]) {
      const result = await cli(["keys", action, "--help"]);
      expect(result.status).toBe(EXIT_OK);
      expect(result.stdout).toMatch(new RegExp(`^Usage: portcullis keys ${action}`));
    }
    expect(helpText(null)).toContain("keys create --name NAME");
  });
});
