/**
 * /v1/webhooks: registering, reading, changing and deleting endpoints; the secret shown once and
 * stored only encrypted; every change audited without a secret; bad input refused with stable
 * codes. The shared security matrix runs against every route.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { auditEvents, webhookDeliveries, webhookEndpoints } from "../../src/db/schema.ts";
import { newId } from "../../src/ids.ts";
import { api, seedTenant, type TestTenant } from "../support/harness.ts";
import { runSecurityMatrix } from "../support/security-matrix.ts";
import { createWebhook, receiverUrl } from "./support.ts";

const MISSING = "whk_AAAAAAAAAAAAAAAAAAAAAA";
const jsonInit = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

async function auditRows(tenant: TestTenant) {
  return database(env.DB)
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.tenantId, tenant.tenantId))
    .all();
}

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status, await response.clone().text()).toBe(status);
  const body = await response.json<{ code: string }>();
  expect(body.code).toBe(code);
  return body;
}

describe("POST /v1/webhooks", () => {
  it("answers the secret once, stores only its ciphertext, and lists it nowhere", async () => {
    const tenant = await seedTenant();
    const created = await createWebhook(tenant, { description: "SIEM", eventTypes: ["alert.*"] });

    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({ eventTypes: ["alert.*"], disabled: false });

    const row = await database(env.DB)
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, created.id))
      .get();
    expect(row?.secretCiphertext).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(created.secret.slice(6));

    const listed = await api(tenant, "/webhooks");
    const read = await api(tenant, `/webhooks/${created.id}`);
    for (const text of [await listed.text(), await read.text()]) {
      expect(text).toContain(created.id);
      expect(text).not.toContain(created.secret.slice(6));
      expect(text).not.toContain('secret"');
    }
  });

  it("writes webhook.created with the URL's origin and no secret", async () => {
    const tenant = await seedTenant();
    const created = await createWebhook(tenant, { eventTypes: ["link.revoked"] });

    const [event] = (await auditRows(tenant)).filter((row) => row.action === "webhook.created");
    expect(event?.detail).toEqual({
      webhookId: created.id,
      urlOrigin: new URL(created.url).origin,
      eventTypes: ["link.revoked"],
      disabled: false,
    });
    expect(JSON.stringify(event)).not.toContain(created.secret.slice(6));
    expect(event?.actor).toBe(tenant.principal);
  });

  it.each([
    { name: "ftp scheme", url: "ftp://example.org/hook", reason: "url_scheme" },
    { name: "http to a public host", url: "http://example.org/hook", reason: "url_scheme" },
    { name: "credentials", url: "https://user:pw@example.org/hook", reason: "url_credentials" },
    { name: "not a URL", url: "hooks/portcullis", reason: "url_invalid" },
  ])("refuses a URL with $name as 400 invalid_request ($reason)", async ({ url, reason }) => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/webhooks", {
      method: "POST",
      json: { url, eventTypes: ["*"] },
    });
    const problem = await expectProblem(response, 400, "invalid_request");
    expect(problem).toMatchObject({ reason, issues: [{ field: "url" }] });
    expect(JSON.stringify(problem)).not.toContain("pw@");
  });

  it.each([
    { name: "an unknown action", eventTypes: ["link.teleported"] },
    { name: "an unknown family", eventTypes: ["nothing.*"] },
    { name: "no event type", eventTypes: [] },
    { name: "a duplicate", eventTypes: ["link.revoked", "link.revoked"] },
    { name: "'*' beside other types", eventTypes: ["*", "link.issued"] },
  ])("refuses $name in eventTypes as 400 invalid_request", async ({ eventTypes }) => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/webhooks", {
      method: "POST",
      json: { url: receiverUrl("ok"), eventTypes },
    });
    const problem = await expectProblem(response, 400, "invalid_request");
    expect(problem).toMatchObject({
      issues: [expect.objectContaining({ field: expect.stringMatching(/^eventTypes/) })],
    });
  });

  it.each([
    { name: "a NUL", description: "SIEM\u0000" },
    { name: "a right-to-left override", description: "SIEM \u202egnp.exe" },
    { name: "a zero-width space", description: "SI\u200bEM" },
    { name: "an escape sequence", description: "\u001b[31mSIEM" },
  ])("refuses a description holding $name as 400 invalid_request", async ({ description }) => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/webhooks", {
      method: "POST",
      json: { url: receiverUrl("ok"), eventTypes: ["link.revoked"], description },
    });
    const problem = await expectProblem(response, 400, "invalid_request");
    expect(problem).toMatchObject({
      issues: [expect.objectContaining({ field: "description" })],
    });
  });

  it("refuses unknown members and a malformed body with 400, never a 500", async () => {
    const tenant = await seedTenant();
    const extra = await api(tenant, "/webhooks", {
      method: "POST",
      json: { url: receiverUrl("ok"), eventTypes: ["*"], secret: "whsec_mine" },
    });
    await expectProblem(extra, 400, "invalid_request");
    const broken = await api(tenant, "/webhooks", {
      method: "POST",
      body: "{not json",
      headers: { "Content-Type": "application/json" },
    });
    await expectProblem(broken, 400, "invalid_request");
  });
});

describe("PATCH and DELETE /v1/webhooks/{id}", () => {
  it("changes only the fields given and audits which ones changed", async () => {
    const tenant = await seedTenant();
    const created = await createWebhook(tenant);
    const response = await api(tenant, `/webhooks/${created.id}`, {
      method: "PATCH",
      json: { eventTypes: ["download.*"], disabled: true },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      url: created.url,
      eventTypes: ["download.*"],
      disabled: true,
    });

    const [event] = (await auditRows(tenant)).filter((row) => row.action === "webhook.updated");
    expect(event?.detail).toMatchObject({ changed: ["eventTypes", "disabledAt"], disabled: true });
  });

  it("records no event for a change that changes nothing", async () => {
    const tenant = await seedTenant();
    const created = await createWebhook(tenant);
    const response = await api(tenant, `/webhooks/${created.id}`, {
      method: "PATCH",
      json: { eventTypes: created.eventTypes },
    });
    expect(response.status).toBe(200);
    const events = (await auditRows(tenant)).filter((row) => row.action === "webhook.updated");
    expect(events).toEqual([]);
  });

  it("refuses an empty change and an invalid URL with 400 invalid_request", async () => {
    const tenant = await seedTenant();
    const created = await createWebhook(tenant);
    const path = `/webhooks/${created.id}`;
    await expectProblem(
      await api(tenant, path, { method: "PATCH", json: {} }),
      400,
      "invalid_request",
    );
    const bad = await api(tenant, path, { method: "PATCH", json: { url: "http://example.org" } });
    expect(await expectProblem(bad, 400, "invalid_request")).toMatchObject({
      reason: "url_scheme",
    });
  });

  it("deletes the endpoint, answers 404 afterwards, and audits the deletion", async () => {
    const tenant = await seedTenant();
    const created = await createWebhook(tenant);
    const deleted = await api(tenant, `/webhooks/${created.id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ id: created.id, deleted: true });

    await expectProblem(await api(tenant, `/webhooks/${created.id}`), 404, "not_found");
    const actions = (await auditRows(tenant)).map((row) => row.action);
    expect(actions).toContain("webhook.deleted");
  });

  it("keeps a deleted endpoint's delivery history, with its secrets wiped", async () => {
    const tenant = await seedTenant();
    const created = await createWebhook(tenant);
    const attempt = {
      id: newId("delivery"),
      tenantId: tenant.tenantId,
      endpointId: created.id,
      eventId: newId("event"),
      attempt: 1,
      status: "delivered",
      responseStatus: 204,
      latencyMs: 12,
      error: null,
      replay: false,
      attemptedAt: Date.now(),
    };
    const db = database(env.DB);
    await db.insert(webhookDeliveries).values(attempt);

    await api(tenant, `/webhooks/${created.id}`, { method: "DELETE" });

    const kept = await db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, created.id))
      .all();
    expect(kept).toEqual([attempt]);
    const [row] = await db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, created.id))
      .all();
    expect(row).toMatchObject({ secretCiphertext: "", previousSecretCiphertext: null });
    expect(row?.deletedAt).not.toBeNull();
    const listed = await (await api(tenant, "/webhooks")).json<{ webhooks: { id: string }[] }>();
    expect(listed.webhooks.map((webhook) => webhook.id)).not.toContain(created.id);
  });

  it("answers a malformed id with 400 invalid_request", async () => {
    const tenant = await seedTenant();
    await expectProblem(await api(tenant, "/webhooks/not-an-id"), 400, "invalid_request");
  });
});

describe("the OpenAPI document", () => {
  it("lists every webhook route", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/openapi.json");
    const paths = Object.keys((await response.json<{ paths: object }>()).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/v1/webhooks",
        "/v1/webhooks/{webhookId}",
        "/v1/webhooks/{webhookId}/rotate-secret",
        "/v1/webhooks/{webhookId}/deliveries",
        "/v1/webhooks/{webhookId}/replay",
      ]),
    );
  });
});

const byId = (method: string, suffix = "", body?: unknown) => ({
  async prepare(owner: TestTenant) {
    const created = await createWebhook(owner);
    const init = body === undefined ? { method } : jsonInit(method, body);
    return { path: `/webhooks/${created.id}${suffix}`, init };
  },
  async missing() {
    const init = body === undefined ? { method } : jsonInit(method, body);
    return { path: `/webhooks/${MISSING}${suffix}`, init };
  },
});

runSecurityMatrix({
  name: "POST /v1/webhooks",
  scope: "admin",
  prepare: async () => ({
    path: "/webhooks",
    init: jsonInit("POST", { url: receiverUrl("ok"), eventTypes: ["*"] }),
  }),
});
runSecurityMatrix({
  name: "GET /v1/webhooks",
  scope: "admin",
  prepare: async () => ({ path: "/webhooks" }),
});
runSecurityMatrix({ name: "GET /v1/webhooks/{id}", scope: "admin", ...byId("GET") });
runSecurityMatrix({
  name: "PATCH /v1/webhooks/{id}",
  scope: "admin",
  ...byId("PATCH", "", { disabled: true }),
});
runSecurityMatrix({ name: "DELETE /v1/webhooks/{id}", scope: "admin", ...byId("DELETE") });
runSecurityMatrix({
  name: "POST /v1/webhooks/{id}/rotate-secret",
  scope: "admin",
  ...byId("POST", "/rotate-secret", {}),
});
runSecurityMatrix({
  name: "GET /v1/webhooks/{id}/deliveries",
  scope: "admin",
  ...byId("GET", "/deliveries"),
});
runSecurityMatrix({
  name: "POST /v1/webhooks/{id}/replay",
  scope: "admin",
  ...byId("POST", "/replay", { eventId: "evt_AAAAAAAAAAAAAAAAAAAAAA" }),
});
