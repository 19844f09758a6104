import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_API_ERROR, EXIT_OK, EXIT_USAGE, run } from "../../src/cli/main.ts";
import type { FetchLike } from "../../src/client/index.ts";
import { fakeFetch, json, KEY, LINK, VERSION } from "./fixtures.ts";

const ENV = { PORTCULLIS_URL: "https://gw.example.org", PORTCULLIS_API_KEY: KEY };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "portcullis-cli-"));
  await writeFile(join(dir, "risk.csv"), "a,b\n1,2\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(
  argv: string[],
  fetch?: FetchLike,
  options: { env?: Record<string, string>; isTTY?: boolean } = {},
) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await run(argv, {
    stdout: { write: (text) => stdout.push(text) },
    stderr: { write: (text) => stderr.push(text), isTTY: options.isTTY ?? false },
    env: options.env ?? ENV,
    cwd: dir,
    ...(fetch ? { fetch } : {}),
  });
  return { status, stdout: stdout.join(""), stderr: stderr.join("") };
}

describe("portcullis publish", () => {
  it("streams the file with its size, name and guessed type, and prints the version", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, VERSION));

    const result = await cli(["publish", join(dir, "risk.csv"), "--name", "ward-4-risk"], fetch);

    expect(result.status).toBe(EXIT_OK);
    const request = sent[0];
    expect(request?.body).toBe("a,b\n1,2\n");
    expect(request?.headers.get("Content-Length")).toBe("8");
    expect(request?.headers.get("Content-Type")).toBe("text/csv");
    expect(new URL(request?.url ?? "").searchParams.get("filename")).toBe("risk.csv");
    expect(result.stdout).toMatch(/^versionId +ver_A{22}$/m);
    expect(result.stdout).toMatch(/^sha256 +f{64}$/m);
    expect(result.stdout).toMatch(/^size +5 bytes/m);
    expect(result.stderr).toBe("");
  });

  it("draws progress on stderr only when stderr is a terminal", async () => {
    const { fetch } = fakeFetch(() => json(201, VERSION));
    const argv = ["publish", join(dir, "risk.csv"), "--name", "x", "--json"];

    const tty = await cli(argv, fetch, { isTTY: true });
    const piped = await cli(argv, fetch, { isTTY: false });

    expect(tty.stderr).toContain("uploading 100%");
    expect(piped.stderr).toBe("");
    expect(JSON.parse(tty.stdout)).toEqual(VERSION);
  });

  it("reports a missing file as a local error before sending anything", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, VERSION));

    const result = await cli(["publish", join(dir, "nope.csv"), "--name", "x"], fetch);

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/^error file_not_found: .*nope\.csv does not exist\.\n$/);
    expect(sent).toEqual([]);
  });
});

describe("portcullis output", () => {
  it("prints exactly one JSON document with --json", async () => {
    const { fetch } = fakeFetch(() => json(200, { versions: [VERSION, VERSION] }));

    const result = await cli(["versions", "ward-4-risk", "--json"], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(JSON.parse(result.stdout)).toEqual({ versions: [VERSION, VERSION] });
  });

  it("prints audit events as a table with the columns people read", async () => {
    const event = {
      id: "evt_1",
      occurredAt: "2026-01-01T00:00:00.000Z",
      tenantId: "ten_1",
      linkId: LINK.id,
      versionId: VERSION.versionId,
      action: "download.completed",
      outcome: "succeeded",
      reason: null,
      actor: null,
      clientIp: null,
      country: null,
      userAgent: null,
      bytesServed: 2119559,
      requestId: null,
      detail: null,
    };
    const { fetch } = fakeFetch(() => json(200, { events: [event], nextCursor: "abc" }));

    const result = await cli(["audit", "--link", LINK.id], fetch);

    const [header, row, more] = result.stdout.trimEnd().split("\n");
    expect(header?.split(/ +/)).toEqual([
      "time",
      "action",
      "outcome",
      "reason",
      "link",
      "bytes",
      "note",
    ]);
    expect(row?.split(/ +/)).toEqual([
      event.occurredAt,
      event.action,
      "succeeded",
      LINK.id,
      "2119559",
    ]);
    expect(more).toContain("--cursor abc");
  });

  it("audit shows the note people gave (revoke --reason, --note) in a note column", async () => {
    const event = {
      id: "evt_1",
      occurredAt: "2026-01-01T00:00:00.000Z",
      tenantId: "ten_1",
      linkId: LINK.id,
      versionId: VERSION.versionId,
      action: "link.revoked",
      outcome: "succeeded",
      reason: "revoked_by_issuer",
      actor: "ci",
      clientIp: null,
      country: null,
      userAgent: null,
      bytesServed: null,
      requestId: null,
      detail: { note: "sent to the wrong ward" },
    };
    const unsafe = { ...event, id: "evt_2", detail: { note: "two\nlines \u001b[31mred" } };
    const plain = { ...event, id: "evt_3", action: "link.issued", reason: null, detail: null };
    const { fetch } = fakeFetch(() =>
      json(200, { events: [event, unsafe, plain], nextCursor: null }),
    );

    const result = await cli(["audit", "--link", LINK.id], fetch);

    const [header, noted, cleaned, bare, extra] = result.stdout.trimEnd().split("\n");
    expect(header?.split(/ +/).at(-1)).toBe("note");
    expect(noted).toMatch(/ revoked_by_issuer +lnk_A{22} +sent to the wrong ward$/);
    expect(cleaned).toMatch(/ two lines \[31mred$/);
    expect(bare).toMatch(/ link\.issued +succeeded +lnk_A{22}$/);
    expect(extra).toBeUndefined();
    expect(result.stdout).not.toContain("\u001b");
  });

  it("shows the link's state for status", async () => {
    const { fetch, sent } = fakeFetch(() =>
      json(200, { ...LINK, status: "used_up", usesSpent: 1 }),
    );

    const result = await cli(["status", LINK.id], fetch);

    expect(sent[0]?.url).toBe(`https://gw.example.org/v1/links/${LINK.id}`);
    expect(result.stdout).toMatch(/^status +used_up$/m);
    expect(result.stdout).toMatch(/^uses +1 of 1 spent/m);
  });
});

describe("portcullis errors", () => {
  it("prints an API refusal as one line with its code and request id, and exits 1", async () => {
    const { fetch } = fakeFetch(() =>
      json(410, { code: "link_revoked", detail: "This link has been revoked", requestId: "req_9" }),
    );

    const result = await cli(["revoke", LINK.id, "--json"], fetch);

    expect(result.status).toBe(EXIT_API_ERROR);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("error link_revoked: This link has been revoked (request req_9)\n");
  });

  it("never prints URL credentials: a URL with user:pass@ is refused without them", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { versions: [] }));
    const env = {
      PORTCULLIS_URL: "https://alice:s3cr%40t@gw.example.org/",
      PORTCULLIS_API_KEY: KEY,
    };

    const result = await cli(["versions", "x"], fetch, { env });

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toBe(
      "error bad_url: The gateway URL https://gw.example.org/ must not hold a user name or " +
        "password; the API key is the credential.\n",
    );
    expect(sent).toEqual([]);
  });

  it.each([
    [
      "a network error",
      () => {
        throw new TypeError(
          "Request cannot be constructed from a URL that includes credentials: " +
            "https://bob:hunter2@proxy.example/v1/x",
        );
      },
    ],
    [
      "a problem document",
      () =>
        json(502, {
          code: "storage_unavailable",
          detail: "at https://bob:hunter2@proxy.example/v1/x",
        }),
    ],
  ])("never prints URL credentials found in %s", async (_case, reply) => {
    const result = await cli(["versions", "x"], async () => reply());

    expect(result.status).toBe(EXIT_API_ERROR);
    expect(result.stderr).toContain("https://proxy.example/v1/x");
    expect(result.stderr).not.toContain("hunter2");
    expect(result.stderr).not.toContain("bob");
  });

  it.each([
    ["bad port", new Error("bad port"), "fetch failed: bad port."],
    [
      "ECONNREFUSED",
      Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
      "fetch failed (ECONNREFUSED).",
    ],
  ])(
    "a network error (%s) and the hint that follows are separate sentences",
    async (_case, cause, reason) => {
      const result = await cli(["versions", "x"], async () => {
        throw new TypeError("fetch failed", { cause });
      });

      expect(result.status).toBe(EXIT_API_ERROR);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(
        `error network_error: ${reason} Is the gateway running at https://gw.example.org?\n`,
      );
    },
  );

  it("help says --json prints one JSON document on success, errors one stderr line", async () => {
    const result = await cli(["--help"]);

    expect(result.stdout).toMatch(
      /^ {2}--json {2,}on success, print exactly one JSON document on stdout/m,
    );
    expect(result.stdout).not.toMatch(/--json {2,}print exactly one JSON document/);
    expect(result.stdout).toContain("Errors are one line on stderr, with --json too");
  });

  it("exits 2 for a usage error and points at the command's help", async () => {
    const result = await cli(["link", "ver_x", "--ttl", "soon"]);

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/^error usage: .*See portcullis link --help\.\n$/);
  });

  it("exits 2 when no credentials are found", async () => {
    const result = await cli(["versions", "x"], undefined, { env: {} });

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/^error no_credentials: /);
  });

  it("never prints the API key, not even when the key is refused", async () => {
    const { fetch } = fakeFetch(() => json(401, { code: "unauthenticated", detail: "No." }));

    const result = await cli(["versions", "x"], fetch);

    expect(result.stderr).toContain("The API key from PORTCULLIS_API_KEY was refused.");
    expect(result.stdout + result.stderr).not.toContain(KEY);
    expect(result.stdout + result.stderr).not.toContain(KEY.split(".")[2]);
  });

  it("prints help to stdout and exits 0", async () => {
    const result = await cli(["publish", "--help"]);

    expect(result.status).toBe(EXIT_OK);
    expect(result.stdout).toMatch(/^Usage: portcullis publish FILE --name NAME/);
  });
});
