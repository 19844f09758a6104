import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { apiKeys } from "../../src/db/schema.ts";
import { newId } from "../../src/ids.ts";
import { api, publish, publishRaw, seedTenant, utf8 } from "../support/harness.ts";
import { auditOf, createKey, type KeyBody, listKeys, revoke } from "./key-fixtures.ts";

describe("POST /v1/keys/{keyId}/revoke", () => {
  it("answers the revoked key, and the key is refused with 401 from its next request", async () => {
    const admin = await seedTenant();
    const { id, key } = await createKey(admin, "short-lived", ["publish"]);
    await publish(key, utf8("before"));

    const response = await revoke(admin, id);

    expect(response.status).toBe(200);
    const revoked = await response.json<KeyBody>();
    expect(revoked).toMatchObject({ id, name: "short-lived", revokedAt: expect.any(String) });
    const after = await publishRaw(key, utf8("after"));
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: "unauthenticated" });
  });

  it("a key may revoke itself: the answer arrives, and its next request gets 401", async () => {
    const admin = await seedTenant();
    await createKey(admin, "second-admin", ["admin"]);

    const response = await revoke(admin, admin.keyId);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: admin.keyId, revokedAt: expect.any(String) });
    const next = await api(admin, "/keys");
    expect(next.status).toBe(401);
  });

  it("revoking a revoked key changes nothing and audits nothing more", async () => {
    const admin = await seedTenant();
    const { id } = await createKey(admin, "twice", ["issue"]);

    const first = await (await revoke(admin, id)).json<KeyBody>();
    const second = await revoke(admin, id);

    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(first);
    expect(await auditOf(admin, "key.revoked")).toHaveLength(1);
  });

  it("two revocations at once record one revocation and answer the same time", async () => {
    const admin = await seedTenant();
    const { id } = await createKey(admin, "raced", ["issue"]);

    const answers = await Promise.all([revoke(admin, id), revoke(admin, id)]);

    const bodies = await Promise.all(answers.map((answer) => answer.json<KeyBody>()));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(bodies[0]?.revokedAt).toEqual(expect.any(String));
    expect(bodies[1]?.revokedAt).toBe(bodies[0]?.revokedAt);
    expect(await auditOf(admin, "key.revoked")).toHaveLength(1);
  });

  it("another tenant's key answers 404, like a missing one, and stays usable", async () => {
    const owner = await seedTenant();
    const stranger = await seedTenant();

    const foreign = await revoke(stranger, owner.keyId);
    const missing = await revoke(stranger, newId("apiKey"));

    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const [a, b] = [await foreign.json<object>(), await missing.json<object>()];
    expect({ ...a, requestId: null }).toEqual({ ...b, requestId: null });
    expect((await api(owner, "/keys")).status).toBe(200);
    expect(await auditOf(stranger, "key.revoked")).toEqual([]);
    expect(await auditOf(owner, "key.revoked")).toEqual([]);
  });

  it("the last active admin key cannot be revoked: 409 last_admin_key, no change", async () => {
    const admin = await seedTenant();
    const publisher = await createKey(admin, "publisher", ["publish"]);
    const formerAdmin = await createKey(admin, "former-admin", ["admin"]);
    expect((await revoke(admin, formerAdmin.id)).status).toBe(200);

    const response = await revoke(admin, admin.keyId);

    expect(response.status, await response.clone().text()).toBe(409);
    expect(await response.json()).toMatchObject({
      code: "last_admin_key",
      status: 409,
      title: "The tenant's last admin key cannot be revoked",
      detail: expect.stringContaining("Create another key with the admin scope first"),
    });
    const keys = await listKeys(admin);
    expect(keys.find((key) => key.id === admin.keyId)?.revokedAt).toBeNull();
    expect(keys.find((key) => key.id === publisher.id)?.revokedAt).toBeNull();
    const revoked = await auditOf(admin, "key.revoked");
    expect(revoked.map((event) => event.detail?.keyId)).toEqual([formerAdmin.id]);
  });

  it("an admin key may be revoked while another active admin key remains, not after", async () => {
    const admin = await seedTenant();
    const other = await createKey(admin, "other-admin", ["admin", "audit:read"]);

    expect((await revoke(other.key, admin.keyId)).status).toBe(200);
    const last = await revoke(other.key, other.id);

    expect(last.status).toBe(409);
    expect(await last.json()).toMatchObject({ code: "last_admin_key" });
    expect((await listKeys(other.key)).find((key) => key.id === other.id)?.revokedAt).toBeNull();
  });

  it("keys without the admin scope may be revoked however few admins remain", async () => {
    const admin = await seedTenant();
    const { id } = await createKey(admin, "issuer", ["issue", "revoke"]);

    expect((await revoke(admin, id)).status).toBe(200);
  });

  it("two admins revoking each other at once leave one admin key active", async () => {
    const admin = await seedTenant();
    const other = await createKey(admin, "other-admin", ["admin"]);

    const answers = await Promise.all([revoke(admin, other.id), revoke(other.key, admin.keyId)]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const keys = await database(env.DB)
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.tenantId, admin.tenantId))
      .all();
    expect(keys.filter((key) => key.revokedAt === null)).toHaveLength(1);
    const events = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'key.revoked'",
    )
      .bind(admin.tenantId)
      .first<{ n: number }>();
    expect(events?.n).toBe(1);
  });

  it("an id that is not a key id answers 400", async () => {
    const admin = await seedTenant();
    const response = await revoke(admin, "lnk_AAAAAAAAAAAAAAAAAAAAAA");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });
});

describe("the audit of key changes", () => {
  it("records key.created and key.revoked with the caller as actor and no secret", async () => {
    const admin = await seedTenant({ principal: "alice@hospital.example" });
    const { id } = await createKey(admin, "etl-service", ["publish", "audit:read"]);
    await revoke(admin, id);

    const detail = { keyId: id, name: "etl-service", scopes: ["publish", "audit:read"] };
    for (const action of ["key.created", "key.revoked"]) {
      const events = await auditOf(admin, action);
      expect(events).toEqual([
        expect.objectContaining({
          action,
          outcome: "succeeded",
          actor: "alice@hospital.example",
          requestId: expect.stringMatching(/^req_/),
          detail,
        }),
      ]);
    }
  });
});
