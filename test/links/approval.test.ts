import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { tenantPolicies } from "../../src/db/schema.ts";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import {
  addKey,
  api,
  call,
  confirm,
  flushAudit,
  issue,
  publish,
  seedTenant,
  type TestTenant,
  utf8,
} from "../support/harness.ts";

/** A tenant whose restricted links need approval but no identified recipient. */
async function tenantNeedingApproval(approvalTtlSeconds = 3600) {
  const tenant = await seedTenant({ principal: "batch-exporter" });
  await database(env.DB)
    .insert(tenantPolicies)
    .values({
      tenantId: tenant.tenantId,
      class: "restricted",
      policy: { ...BUILT_IN_POLICY.restricted, approvalRequired: true, approvalTtlSeconds },
      updatedBy: "test",
      updatedAt: Date.now(),
    });
  const approverKey = await addKey(tenant, ["approve"]);
  return { tenant, approverKey };
}

async function pendingLink(tenant: TestTenant) {
  const version = await publish(tenant, utf8("needs a second pair of eyes"));
  return issue(tenant, version.versionId, { maxUses: 1 });
}

const decide = (key: string, linkId: string, decision: "approve" | "reject", note?: string) =>
  api(key, `/links/${linkId}/${decision}`, {
    method: "POST",
    ...(note ? { json: { note } } : {}),
  });

describe("dual approval", () => {
  it("a link needing approval is issued pending, and nothing downloads", async () => {
    const { tenant } = await tenantNeedingApproval();
    const link = await pendingLink(tenant);

    const state = await (await api(tenant, `/links/${link.id}`)).json<Record<string, unknown>>();
    expect(state).toMatchObject({
      status: "pending_approval",
      approval: { status: "pending", decidedBy: null },
    });

    const landing = await call(link.path, { headers: { Accept: "text/html" } });
    expect(landing.status).toBe(403);
    expect(await landing.text()).toMatch(/waiting for approval/i);
    const attempt = await confirm(link.path);
    expect(attempt.status).toBe(403);
    expect(await attempt.json()).toMatchObject({ code: "approval_pending" });
  });

  it("another principal with the approve scope opens it; the audit names who", async () => {
    const { tenant, approverKey } = await tenantNeedingApproval();
    const link = await pendingLink(tenant);

    const approved = await decide(approverKey, link.id, "approve", "checked the cohort");
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({
      status: "active",
      approval: { status: "approved", decidedBy: "batch-exporter-limited" },
    });
    expect((await confirm(link.path)).status).toBe(303);

    await flushAudit(link.id);
    const audit = await api(tenant, `/audit?linkId=${link.id}&action=link.approved`);
    const { events } = await audit.json<{ events: Record<string, unknown>[] }>();
    expect(events).toEqual([
      expect.objectContaining({
        actor: "batch-exporter-limited",
        detail: { note: "checked the cohort" },
      }),
    ]);
  });

  it("the issuer can never approve their own link, even holding the approve scope", async () => {
    const { tenant } = await tenantNeedingApproval();
    const link = await pendingLink(tenant);
    const response = await decide(tenant.key, link.id, "approve");
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: "issuer_cannot_approve" });
    expect((await confirm(link.path)).status).toBe(403);
  });

  it("a rejected link answers 410 approval_rejected and cannot be approved later", async () => {
    const { tenant, approverKey } = await tenantNeedingApproval();
    const link = await pendingLink(tenant);
    expect((await decide(approverKey, link.id, "reject")).status).toBe(200);

    const attempt = await confirm(link.path);
    expect(attempt.status).toBe(410);
    expect(await attempt.json()).toMatchObject({ code: "approval_rejected" });
    const late = await decide(approverKey, link.id, "approve");
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({
      code: "approval_not_pending",
      linkStatus: "rejected",
    });
  });

  it("a key without the approve scope gets 403 insufficient_scope", async () => {
    const { tenant } = await tenantNeedingApproval();
    const link = await pendingLink(tenant);
    const issuerOnly = await addKey(tenant, ["issue"]);
    const response = await decide(issuerOnly, link.id, "approve");
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: "insufficient_scope" });
  });

  it("an approval that was not given in time lapses", async () => {
    const { tenant, approverKey } = await tenantNeedingApproval(60);
    const link = await pendingLink(tenant);
    const { runInDurableObject } = await import("cloudflare:test");
    const { linkGuard } = await import("../../src/links/guard-client.ts");
    await runInDurableObject(linkGuard(env, link.id), (_instance, state) => {
      const row = state.storage.sql.exec<{ record: string }>("SELECT record FROM link").one();
      const record = JSON.parse(row.record);
      record.policy.approvalExpiresAt = Date.now() - 1000;
      state.storage.sql.exec("UPDATE link SET record = ?", JSON.stringify(record));
    });

    const attempt = await confirm(link.path);
    expect(attempt.status).toBe(410);
    expect(await attempt.json()).toMatchObject({ code: "approval_expired" });
    const late = await decide(approverKey, link.id, "approve");
    expect(late.status).toBe(410);
    expect(await late.json()).toMatchObject({ code: "approval_expired" });
  });

  it("an approval window never outlasts the link", async () => {
    const { tenant } = await tenantNeedingApproval(7 * 24 * 3600);
    const version = await publish(tenant, utf8("short link, long approval window"));
    const link = await issue(tenant, version.versionId, { ttlSeconds: 3600 });
    const state = await (await api(tenant, `/links/${link.id}`)).json<{
      expiresAt: string;
      approval: { expiresAt: string };
    }>();
    expect(state.approval.expiresAt).toBe(state.expiresAt);
  });

  it("links of classes without approval are never pending", async () => {
    const tenant = await seedTenant();
    const link = await pendingLink(tenant);
    const state = await (await api(tenant, `/links/${link.id}`)).json<Record<string, unknown>>();
    expect(state).toMatchObject({ status: "active", approval: { status: "not_required" } });
  });
});
