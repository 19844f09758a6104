/**
 * Audit retention (`pruneTenantAudit`), run with `now` moved forward: events older than the
 * tenant's `auditRetentionDays` leave the start of the chain, the anchor keeps what remains
 * verifiable, and a run that stops half-way is finished by the next.
 */
import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLedger } from "../../src/audit/ledger-client.ts";
import { database } from "../../src/db/client.ts";
import { auditEvents } from "../../src/db/schema.ts";
import { DEFAULT_AUDIT_RETENTION_DAYS } from "../../src/policy/settings.ts";
import { pruneTenantAudit } from "../../src/retention/audit-pruning.ts";
import { exportLines, verifyLines } from "../audit/chain-fixtures.ts";
import { api, publish, seedTenant, type TestTenant, utf8 } from "../support/harness.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

async function chainOf(tenant: TestTenant) {
  return database(env.DB)
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.tenantId, tenant.tenantId))
    .orderBy(asc(auditEvents.seq))
    .all();
}

/** Two publishes sealed at different times; returns when the first batch was sealed. */
async function twoSealedBatches(tenant: TestTenant): Promise<number> {
  await publish(tenant, utf8("first"), { class: "internal" });
  await auditLedger(env, tenant.tenantId).seal(tenant.tenantId);
  const [first] = await chainOf(tenant);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await publish(tenant, utf8("second"), { class: "internal" });
  await auditLedger(env, tenant.tenantId).seal(tenant.tenantId);
  if (!first?.sealedAt) throw new Error("the first publish was not sealed");
  return first.sealedAt;
}

describe("audit retention", () => {
  it("prunes only events older than the retention, and what remains still verifies", async () => {
    const tenant = await seedTenant();
    const firstSealedAt = await twoSealedBatches(tenant);
    const before = await chainOf(tenant);
    const [pruned, ...kept] = before;

    // The cutoff falls just after the first event was sealed.
    const now = firstSealedAt + 1 + DEFAULT_AUDIT_RETENTION_DAYS * DAY_MS;
    expect(await pruneTenantAudit(env, tenant.tenantId, now)).toEqual({
      throughSeq: 1,
      deleted: 1,
    });

    const after = await chainOf(tenant);
    expect(after.map((row) => row.id)).not.toContain(pruned?.id);
    expect(after.slice(0, kept.length).map((row) => row.id)).toEqual(kept.map((row) => row.id));
    const recorded = after.at(-1);
    expect(recorded).toMatchObject({ action: "audit.pruned", actor: "system" });
    expect(recorded?.detail).toMatchObject({ throughSeq: 1, deleted: 1 });

    const head = await (await api(tenant, "/audit/head")).json<{ anchor: unknown }>();
    expect(head.anchor).toMatchObject({ seq: 1, hash: pruned?.hash });
    const lines = await exportLines(tenant);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ seq: 2, prevHash: pruned?.hash });
    expect(await verifyLines(lines)).toMatchObject({ problem: null });
  });

  it("leaves every event alone while the retention lasts", async () => {
    const tenant = await seedTenant();
    await twoSealedBatches(tenant);
    const before = await chainOf(tenant);

    expect(await pruneTenantAudit(env, tenant.tenantId, Date.now() + 365 * DAY_MS)).toBeNull();
    expect(await chainOf(tenant)).toEqual(before);
  });

  it("follows the tenant's own auditRetentionDays", async () => {
    const tenant = await seedTenant();
    const put = await api(tenant, "/policy", {
      method: "PUT",
      json: { settings: { auditRetentionDays: 400 } },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    await auditLedger(env, tenant.tenantId).seal(tenant.tenantId);

    const result = await pruneTenantAudit(env, tenant.tenantId, Date.now() + 401 * DAY_MS);
    expect(result?.deleted).toBeGreaterThanOrEqual(1);
  });

  it("is idempotent: a second run with the same cutoff removes and records nothing", async () => {
    const tenant = await seedTenant();
    const firstSealedAt = await twoSealedBatches(tenant);
    const now = firstSealedAt + 1 + DEFAULT_AUDIT_RETENTION_DAYS * DAY_MS;

    await pruneTenantAudit(env, tenant.tenantId, now);
    const once = await chainOf(tenant);
    expect(await pruneTenantAudit(env, tenant.tenantId, now)).toBeNull();
    await auditLedger(env, tenant.tenantId).seal(tenant.tenantId);
    expect(await chainOf(tenant)).toEqual(once);
  });

  it("a run that stops before deleting is finished by the next, recorded once", async () => {
    const tenant = await seedTenant();
    const firstSealedAt = await twoSealedBatches(tenant);
    const now = firstSealedAt + 1 + DEFAULT_AUDIT_RETENTION_DAYS * DAY_MS;

    await env.DB.exec(
      "CREATE TRIGGER test_prune_stops BEFORE DELETE ON audit_events " +
        "BEGIN SELECT RAISE(ABORT, 'the run stopped here'); END",
    );
    try {
      await expect(pruneTenantAudit(env, tenant.tenantId, now)).rejects.toThrow(/stopped here/);
    } finally {
      await env.DB.exec("DROP TRIGGER test_prune_stops");
    }
    expect((await chainOf(tenant)).map((row) => row.seq)).toContain(1);

    expect(await pruneTenantAudit(env, tenant.tenantId, now)).toMatchObject({ deleted: 1 });
    const recorded = (await chainOf(tenant)).filter((row) => row.action === "audit.pruned");
    expect(recorded).toHaveLength(1);
    expect(await verifyLines(await exportLines(tenant))).toMatchObject({ problem: null });
  });
});
