import { describe, expect, it } from "vitest";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import {
  api,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  utf8,
} from "../support/harness.ts";

describe("POST /v1/links", () => {
  it("applies the class defaults to what the issuer left out", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("x"), { class: "patient-linked" });
    const before = Date.now();
    const response = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: version.versionId, recipientEmail: "dr.lee@example.org" },
    });
    expect(response.status).toBe(201);
    const link = await response.json<Record<string, string | number>>();

    const policy = BUILT_IN_POLICY["patient-linked"];
    expect(link).toMatchObject({
      class: "patient-linked",
      status: "pending_approval",
      maxUses: policy.defaultUses,
      usesLeft: policy.defaultUses,
      usesSpent: 0,
      issuedBy: tenant.principal,
      recipientEmail: "dr.lee@example.org",
      revokedAt: null,
    });
    const ttl = Date.parse(String(link.expiresAt)) - before;
    // Expiry is kept in whole seconds, and the request itself takes time under a loaded test run.
    expect(ttl).toBeGreaterThan(policy.defaultTtlSeconds * 1000 - 10_000);
    expect(ttl).toBeLessThanOrEqual(policy.defaultTtlSeconds * 1000);
    expect(String(link.url)).toMatch(/^https:\/\/gateway\.test\/d\/[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("the URL names no file, tenant, person or version", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("x"), {
      name: "ward-4-patients",
      filename: "w4.csv",
    });
    const link = await issue(tenant, version.versionId, { maxUses: 1 });
    const [, payload] = link.url.split("/d/")[1]?.split(".") ?? [];
    const claims = JSON.parse(atob((payload ?? "").replaceAll("-", "+").replaceAll("_", "/")));
    expect(Object.keys(claims).sort()).toEqual(["exp", "jti"]);
    for (const secret of [
      "ward-4",
      "w4.csv",
      tenant.tenantId,
      version.versionId,
      tenant.principal,
    ]) {
      expect(link.url).not.toContain(secret);
    }
  });

  it.each([
    ["patient-linked", { maxUses: 2 }, "max_uses", 1],
    ["patient-linked", { ttlSeconds: 2 * 86400 }, "max_ttl_seconds", 86400],
    ["restricted", { maxUses: 6 }, "max_uses", 5],
    ["internal", { ttlSeconds: 8 * 86400 }, "max_ttl_seconds", 7 * 86400],
  ] as const)(
    "a %s link beyond %o answers 422 policy_violation naming %s",
    async (sensitivityClass, terms, rule, allowed) => {
      const tenant = await seedTenant();
      const version = await publish(tenant, utf8("x"), { class: sensitivityClass });
      const response = await api(tenant, "/links", {
        method: "POST",
        json: { versionId: version.versionId, ...terms },
      });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ code: "policy_violation", rule, allowed });

      // Nothing was issued.
      const audit = await api(tenant, `/audit?versionId=${version.versionId}&action=link.issued`);
      expect((await audit.json<{ events: unknown[] }>()).events).toEqual([]);
    },
  );

  it.each([
    [{ versionId: "nope" }, "versionId"],
    [{ versionId: "ver_AAAAAAAAAAAAAAAAAAAAAA", maxUses: 0 }, "maxUses"],
    [{ versionId: "ver_AAAAAAAAAAAAAAAAAAAAAA", ttlSeconds: 5 }, "ttlSeconds"],
    [{ versionId: "ver_AAAAAAAAAAAAAAAAAAAAAA", recipientEmail: "not-an-email" }, "recipientEmail"],
    [{ versionId: "ver_AAAAAAAAAAAAAAAAAAAAAA", surprise: true }, "(root)"],
  ])("%o answers 400 naming %s", async (body, field) => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/links", { method: "POST", json: body });
    expect(response.status).toBe(400);
    const problem = await response.json<{ code: string; issues: { field: string }[] }>();
    expect(problem.code).toBe("invalid_request");
    expect(problem.issues.map((issue) => issue.field)).toContain(field);
  });

  it("malformed JSON answers 400, not 500", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/links", {
      method: "POST",
      body: "{not json",
      headers: { "Content-Type": "application/json" },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });
});

describe("GET /v1/links/{id} and revoke", () => {
  it("reports uses so far and the state after each step", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("x"));
    const link = await issue(tenant, version.versionId, { maxUses: 2 });
    const state = async () =>
      (await api(tenant, `/links/${link.id}`)).json<Record<string, unknown>>();

    expect(await state()).toMatchObject({ status: "active", usesSpent: 0, usesLeft: 2 });
    await confirmAndGetSessionPath(link.path);
    expect(await state()).toMatchObject({ status: "active", usesSpent: 1, usesLeft: 1 });
    await confirmAndGetSessionPath(link.path);
    expect(await state()).toMatchObject({ status: "used_up", usesSpent: 2, usesLeft: 0 });

    const revoked = await api(tenant, `/links/${link.id}/revoke`, {
      method: "POST",
      json: { reason: "sent to the wrong ward" },
    });
    expect(await revoked.json()).toMatchObject({
      status: "revoked",
      revokedAt: expect.any(String),
    });
    expect(await state()).toMatchObject({ status: "revoked" });

    // The audit keeps a stable reason code; the issuer's words travel in the detail.
    await flushAudit(link.id);
    const audit = await api(tenant, `/audit?linkId=${link.id}&action=link.revoked`);
    const { events } = await audit.json<{ events: Record<string, unknown>[] }>();
    expect(events).toEqual([
      expect.objectContaining({
        reason: "revoked_by_issuer",
        actor: tenant.principal,
        detail: expect.objectContaining({ note: "sent to the wrong ward" }),
      }),
    ]);
  });

  it("revoking twice is harmless and keeps the first revocation time", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("x"));
    const link = await issue(tenant, version.versionId);
    const first = await (await api(tenant, `/links/${link.id}/revoke`, { method: "POST" })).json<{
      revokedAt: string;
    }>();
    const second = await api(tenant, `/links/${link.id}/revoke`, { method: "POST" });
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ status: "revoked", revokedAt: first.revokedAt });
  });
});
