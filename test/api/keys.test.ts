import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/identity/api-keys.ts";
import { api, publish, seedTenant, utf8 } from "../support/harness.ts";
import { auditOf, createKey, listKeys, revoke } from "./key-fixtures.ts";

describe("POST /v1/keys", () => {
  it("answers 201 with the key, whose id is the one inside the key", async () => {
    const admin = await seedTenant();
    const created = await createKey(admin, "nightly-export", ["publish", "issue"]);

    expect(created).toEqual({
      id: expect.stringMatching(/^key_[\w-]{22}$/),
      name: "nightly-export",
      scopes: ["publish", "issue"],
      createdAt: expect.any(String),
      revokedAt: null,
      createdBy: admin.principal,
      key: expect.stringMatching(/^pcl\.[\w-]{22}\.[\w-]{43}$/),
    });
    expect(created.id).toBe(`key_${created.key.split(".")[1]}`);
    expect(Date.now() - Date.parse(created.createdAt)).toBeLessThan(60_000);
  });

  it("the new key works for its scopes under its own name, 403 outside them", async () => {
    const admin = await seedTenant();
    const { key, name } = await createKey(admin, "publisher-bot", ["publish"]);

    const version = await publish(key, utf8("made by the new key"));
    const read = await api(key, `/versions/${version.versionId}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ publishedBy: name });

    for (const [path, init, scope] of [
      ["/links", { method: "POST", json: { versionId: version.versionId } }, "issue"],
      ["/audit", {}, "audit:read"],
      ["/keys", {}, "admin"],
      ["/keys", { method: "POST", json: { name: "escalate", scopes: ["admin"] } }, "admin"],
    ] as const) {
      const response = await api(key, path, init);
      expect(response.status, `${path} ${await response.clone().text()}`).toBe(403);
      expect(await response.json()).toMatchObject({
        code: "insufficient_scope",
        requiredScope: scope,
      });
    }
  });

  it.each([
    ["no scopes", { name: "svc", scopes: [] }, "scopes"],
    ["an unknown scope", { name: "svc", scopes: ["publish", "superuser"] }, "scopes.1"],
    ["a scope given twice", { name: "svc", scopes: ["issue", "issue"] }, "scopes"],
    ["no scopes member", { name: "svc" }, "scopes"],
    ["no name", { scopes: ["publish"] }, "name"],
    ["an empty name", { name: "", scopes: ["publish"] }, "name"],
    ["a blank name", { name: "   ", scopes: ["publish"] }, "name"],
    ["a name over 100 characters", { name: "n".repeat(101), scopes: ["publish"] }, "name"],
    ["a name with a control character", { name: "a\nb", scopes: ["publish"] }, "name"],
    ["a key chosen by the caller", { name: "svc", scopes: ["issue"], key: "pcl.x.y" }, "(root)"],
  ])("refuses %s with 400 naming %s, and creates nothing", async (_case, body, field) => {
    const admin = await seedTenant();
    const response = await api(admin, "/keys", { method: "POST", json: body });

    expect(response.status).toBe(400);
    const problem = await response.json<{ code: string; issues: { field: string }[] }>();
    expect(problem.code).toBe("invalid_request");
    expect(problem.issues.map((issue) => issue.field)).toContain(field);
    expect((await listKeys(admin)).map((key) => key.id)).toEqual([admin.keyId]);
    expect(await auditOf(admin, "key.created")).toEqual([]);
  });

  it.each([
    ["a lookalike hyphen (U+2010)", "ops\u2010bot"],
    ["a right-to-left override (U+202E)", "ops\u202Egpj.exe"],
    ["a left-to-right isolate (U+2066)", "ops\u2066bot"],
    ["a zero-width space (U+200B)", "ops\u200Bbot"],
    ["a non-breaking space (U+00A0)", "ops\u00A0bot"],
    ["a slash", "ops/bot"],
    ["a quote", "o'ops"],
  ])(
    "names hold only letters, digits, space and . _ @ + -: %s answers 400",
    async (_case, name) => {
      const admin = await seedTenant();

      const response = await api(admin, "/keys", {
        method: "POST",
        json: { name, scopes: ["issue"] },
      });

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        code: "invalid_request",
        issues: [
          {
            field: "name",
            message: "Use letters and digits of any script, spaces, and '.', '_', '@', '+' or '-'.",
          },
        ],
      });
      expect((await listKeys(admin)).map((key) => key.id)).toEqual([admin.keyId]);
    },
  );

  it("names may use letters and digits of any script, space and . _ @ + -", async () => {
    const admin = await seedTenant();
    for (const name of [
      "José Müller",
      "運用チーム",
      "ops+ci@st-marys.example",
      "nightly_export.v2",
      "Ward ٤ analysts",
    ]) {
      expect((await createKey(admin, name, ["issue"])).name).toBe(name);
    }
  });

  it("accepts a name of exactly 100 characters and trims surrounding spaces", async () => {
    const admin = await seedTenant();
    expect((await createKey(admin, "n".repeat(100), ["issue"])).name).toHaveLength(100);
    expect((await createKey(admin, "  ci  ", ["issue"])).name).toBe("ci");
  });

  it("malformed JSON answers 400, not 500", async () => {
    const admin = await seedTenant();
    const response = await api(admin, "/keys", {
      method: "POST",
      body: "{not json",
      headers: { "Content-Type": "application/json" },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });
});

describe("the plaintext key", () => {
  it("appears in no listing, no D1 row and no audit event; D1 keeps only its hash", async () => {
    const admin = await seedTenant();
    const { id, key } = await createKey(admin, "secret-keeper", ["publish"]);
    await publish(key, utf8("use the key once"));
    expect((await revoke(admin, id)).status).toBe(200);
    const secret = key.split(".")[2] ?? "";
    const hash = await sha256Hex(key);

    const listing = await (await api(admin, "/keys")).text();
    const keyRows = await env.DB.prepare("SELECT * FROM api_keys").all();
    const auditRows = await env.DB.prepare("SELECT * FROM audit_events").all();
    const auditApi = await (await api(admin, "/audit?limit=500")).text();

    for (const text of [listing, JSON.stringify(keyRows.results)]) {
      expect(text).toContain(id);
      expect(text).not.toContain(key);
      expect(text).not.toContain(secret);
    }
    for (const text of [listing, JSON.stringify(auditRows.results), auditApi]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hash);
    }
    expect(keyRows.results.find((row) => row.id === id)).toMatchObject({ secret_hash: hash });
  });

  it("a listed key has exactly the documented members", async () => {
    const admin = await seedTenant();
    await createKey(admin, "listed", ["approve"]);
    for (const listed of await listKeys(admin)) {
      expect(Object.keys(listed).sort()).toEqual([
        "createdAt",
        "createdBy",
        "id",
        "name",
        "revokedAt",
        "scopes",
      ]);
    }
  });
});

describe("GET /v1/keys", () => {
  it("lists the tenant's keys, revoked ones included, newest first", async () => {
    const admin = await seedTenant();
    const first = await createKey(admin, "first", ["publish"]);
    const second = await createKey(admin, "second", ["issue", "revoke"]);
    await revoke(admin, first.id);

    const keys = await listKeys(admin);

    expect(keys.map((key) => key.id).sort()).toEqual([admin.keyId, first.id, second.id].sort());
    expect(keys.find((key) => key.id === first.id)?.revokedAt).toEqual(expect.any(String));
    expect(keys.find((key) => key.id === second.id)).toEqual({
      id: second.id,
      name: "second",
      scopes: ["issue", "revoke"],
      createdAt: second.createdAt,
      revokedAt: null,
      createdBy: admin.principal,
    });
    // A key seeded outside the API has no creator.
    expect(keys.find((key) => key.id === admin.keyId)?.createdBy).toBeNull();
    const times = keys.map((key) => Date.parse(key.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("shows no key of another tenant", async () => {
    const admin = await seedTenant();
    const stranger = await seedTenant();
    const theirs = await createKey(stranger, "theirs", ["publish"]);

    const ids = (await listKeys(admin)).map((key) => key.id);

    expect(ids).toEqual([admin.keyId]);
    expect(ids).not.toContain(theirs.id);
  });
});
