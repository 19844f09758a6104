import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { tenantPolicies } from "../../src/db/schema.ts";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import { api, call, flushAudit, publish, seedTenant, utf8 } from "../support/harness.ts";

async function issueWith(body: Record<string, unknown>, sensitivityClass = "restricted") {
  const tenant = await seedTenant();
  const version = await publish(tenant, utf8("constrained"), { class: sensitivityClass });
  const response = await api(tenant, "/links", {
    method: "POST",
    json: { versionId: version.versionId, ...body },
  });
  return { tenant, response };
}

async function issuedPath(response: Response): Promise<{ id: string; path: string }> {
  expect(response.status, await response.clone().text()).toBe(201);
  const link = await response.json<{ id: string; url: string }>();
  return { id: link.id, path: new URL(link.url).pathname };
}

function confirmFrom(path: string, options: { ip?: string; country?: string }) {
  const headers = new Headers({ Accept: "application/json" });
  if (options.ip) headers.set("CF-Connecting-IP", options.ip);
  return call(path, {
    method: "POST",
    redirect: "manual",
    headers,
    ...(options.country ? { cf: { country: options.country } } : {}),
  } as RequestInit);
}

describe("constraints on a link, enforced at confirmation", () => {
  it("admits clients inside the address ranges and refuses, and audits, the rest", async () => {
    const { tenant, response } = await issueWith({
      maxUses: 2,
      constraints: { ipRanges: ["10.20.0.0/16", "2001:db8::/32"] },
    });
    const link = await issuedPath(response);

    const outside = await confirmFrom(link.path, { ip: "192.0.2.7" });
    expect(outside.status).toBe(403);
    expect(await outside.json()).toMatchObject({ code: "address_not_allowed" });
    expect((await confirmFrom(link.path, { ip: "10.20.30.40" })).status).toBe(303);
    expect((await confirmFrom(link.path, { ip: "2001:db8:1::5" })).status).toBe(303);

    await flushAudit(link.id);
    const audit = await api(tenant, `/audit?linkId=${link.id}&action=download.denied`);
    const { events } = await audit.json<{ events: { reason: string; clientIp: string }[] }>();
    expect(events).toEqual([
      expect.objectContaining({ reason: "address_not_allowed", clientIp: "192.0.2.7" }),
    ]);
  });

  it("admits only listed countries, from the edge's request data", async () => {
    const { response } = await issueWith({ constraints: { countries: ["US", "CA"] } });
    const link = await issuedPath(response);
    const abroad = await confirmFrom(link.path, { country: "DE" });
    expect(abroad.status).toBe(403);
    expect(await abroad.json()).toMatchObject({ code: "country_not_allowed" });
    expect((await confirmFrom(link.path, { country: "CA" })).status).toBe(303);
  });

  it("refuses outside the allowed hours", async () => {
    // A window that is never open now: one minute on a day that is not today, in UTC.
    const tomorrow = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][
      (new Date().getUTCDay() + 1) % 7
    ];
    const { response } = await issueWith({
      constraints: { hours: { days: [tomorrow], from: "00:00", to: "00:01", timeZone: "UTC" } },
    });
    const link = await issuedPath(response);
    const attempt = await confirmFrom(link.path, {});
    expect(attempt.status).toBe(403);
    expect(await attempt.json()).toMatchObject({ code: "outside_allowed_hours" });
  });

  it("the landing page explains an unmet constraint to the viewer, spending nothing", async () => {
    const { tenant, response } = await issueWith({ constraints: { ipRanges: ["10.0.0.0/8"] } });
    const link = await issuedPath(response);
    const page = await call(link.path, {
      headers: { Accept: "text/html", "CF-Connecting-IP": "198.51.100.1" },
    });
    expect(page.status).toBe(403);
    expect(await page.text()).toMatch(/cannot be opened from this network/i);
    const state = await (await api(tenant, `/links/${link.id}`)).json<{ usesSpent: number }>();
    expect(state.usesSpent).toBe(0);
  });

  it("malformed constraints answer 400 naming the field", async () => {
    const { response } = await issueWith({ constraints: { ipRanges: ["10.0.0.0/99"] } });
    expect(response.status).toBe(400);
    const problem = await response.json<{ issues: { field: string }[] }>();
    expect(problem.issues[0]?.field).toBe("constraints.ipRanges.0");
  });
});

describe("policy on binding and constraints", () => {
  it("a class needing identity refuses an unbound link with policy_violation", async () => {
    const { response } = await issueWith({}, "patient-linked");
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      code: "policy_violation",
      rule: "identity_required",
    });
  });

  it("a class with a mandatory constraint refuses a link without it", async () => {
    const tenant = await seedTenant();
    await database(env.DB)
      .insert(tenantPolicies)
      .values({
        tenantId: tenant.tenantId,
        class: "internal",
        policy: { ...BUILT_IN_POLICY.internal, requiredConstraints: ["ipRanges"] },
        updatedBy: "test",
        updatedAt: Date.now(),
      });
    const version = await publish(tenant, utf8("x"), { class: "internal" });
    const refused = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: version.versionId },
    });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      rule: "required_constraint",
      allowed: "ipRanges",
    });

    const accepted = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: version.versionId, constraints: { ipRanges: ["10.0.0.0/8"] } },
    });
    expect(accepted.status).toBe(201);
  });

  it("a link bound to a subject or a group answers identity_required", async () => {
    for (const binding of [
      { recipientSubjectId: "okta|00u1abc" },
      { recipientGroup: "cardiology" },
    ]) {
      const { response } = await issueWith(binding);
      const link = await issuedPath(response);
      const attempt = await confirmFrom(link.path, {});
      expect(attempt.status).toBe(403);
      expect(await attempt.json()).toMatchObject({ code: "identity_required" });
    }
  });
});

describe("OPTIONS", () => {
  it("answers what each recipient path allows without touching the link", async () => {
    const { tenant, response } = await issueWith({ maxUses: 1 });
    const link = await issuedPath(response);
    const options = await call(link.path, { method: "OPTIONS" });
    expect(options.status).toBe(204);
    expect(options.headers.get("Allow")).toBe("GET, HEAD, POST, OPTIONS");

    await flushAudit(link.id);
    const audit = await api(tenant, `/audit?linkId=${link.id}`);
    const { events } = await audit.json<{ events: { action: string }[] }>();
    expect(events.map((event) => event.action)).toEqual(["link.issued"]);
    const state = await (await api(tenant, `/links/${link.id}`)).json<{ usesSpent: number }>();
    expect(state.usesSpent).toBe(0);
  });
});

describe("constraints on a download session", () => {
  it("a session URL fetched from outside the address ranges is refused", async () => {
    const { response } = await issueWith({ constraints: { ipRanges: ["10.20.0.0/16"] } });
    const link = await issuedPath(response);
    const confirmed = await confirmFrom(link.path, { ip: "10.20.1.1" });
    expect(confirmed.status).toBe(303);
    const sessionPath = confirmed.headers.get("Location") ?? "";

    const inside = await call(sessionPath, { headers: { "CF-Connecting-IP": "10.20.1.2" } });
    expect(inside.status).toBe(200);
    expect(await inside.text()).toBe("constrained");
    const outside = await call(sessionPath, {
      headers: { "CF-Connecting-IP": "203.0.113.50", Accept: "application/json" },
    });
    expect(outside.status).toBe(403);
    expect(await outside.json()).toMatchObject({ code: "address_not_allowed" });
  });
});
