/**
 * The retention sweep (`runRetentionSweep`), run with `now` moved forward instead of editing rows:
 * versions past their class's retention lose their bytes and links, and the sweep says so in the
 * audit; versions still within retention, and public ones, are left alone.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import { runRetentionSweep } from "../../src/retention/sweep.ts";
import {
  api,
  call,
  confirm,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  type TestTenant,
  utf8,
} from "../support/harness.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

function storageKey(tenant: TestTenant, versionId: string): string {
  return `tenants/${tenant.tenantId}/versions/${versionId}`;
}

async function version(tenant: TestTenant, versionId: string) {
  const response = await api(tenant, `/versions/${versionId}`);
  expect(response.status).toBe(200);
  return response.json<{ purged: boolean; retainUntil: string | null }>();
}

async function linkState(tenant: TestTenant, linkId: string) {
  const response = await api(tenant, `/links/${linkId}`);
  expect(response.status).toBe(200);
  return response.json<{ status: string; revokedAt: string | null }>();
}

async function audit(tenant: TestTenant, query: string) {
  const response = await api(tenant, `/audit?${query}&limit=100`);
  expect(response.status).toBe(200);
  const { events } = await response.json<{
    events: { action: string; reason: string | null; linkId: string | null; actor: string }[];
  }>();
  return events;
}

async function problem(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  return response.json<{ code: string; status: number }>();
}

/**
 * The sweep handles a bounded batch per run and the D1 may hold other tests' versions, so run it
 * until a run purges nothing, as the hourly cron would over successive runs.
 */
async function sweepUntilDone(now: number): Promise<number> {
  let total = 0;
  for (let run = 0; run < 20; run += 1) {
    const purged = await runRetentionSweep(env, now);
    if (purged === 0) return total;
    total += purged;
  }
  throw new Error("the retention sweep did not finish");
}

describe("the retention sweep", () => {
  it("purges a version past retention: bytes, links, record and audit", async () => {
    const tenant = await seedTenant();
    const published = await publish(tenant, utf8("patient_id,risk\n1,0.12\n"), {
      class: "restricted",
      filename: "risk.csv",
    });
    const before = await version(tenant, published.versionId);
    expect(before.purged).toBe(false);
    expect(before.retainUntil).not.toBeNull();
    expect(await env.FILES.head(storageKey(tenant, published.versionId))).not.toBeNull();

    const unopened = await issue(tenant, published.versionId, { maxUses: 2 });
    const opened = await issue(tenant, published.versionId, { maxUses: 2 });
    const sessionPath = await confirmAndGetSessionPath(opened.path);

    const afterRetention = Date.parse(before.retainUntil ?? "") + 1;
    expect(await sweepUntilDone(afterRetention)).toBeGreaterThanOrEqual(1);

    // The bytes are gone from R2 and the record says so.
    expect(await env.FILES.head(storageKey(tenant, published.versionId))).toBeNull();
    expect(await version(tenant, published.versionId)).toMatchObject({ purged: true });

    // Every live link is revoked, with the reason in the audit.
    for (const link of [unopened, opened]) {
      expect(await linkState(tenant, link.id)).toMatchObject({ status: "revoked" });
      const answer = await confirm(link.path);
      expect(answer.status).toBe(410);
      expect(await problem(answer)).toMatchObject({ code: "version_purged" });

      await flushAudit(link.id);
      const revocations = await audit(tenant, `linkId=${link.id}&action=link.revoked`);
      expect(revocations).toHaveLength(1);
      expect(revocations[0]).toMatchObject({ reason: "version_purged", actor: "system" });
    }

    // The open session ends with its link.
    const fetched = await call(sessionPath, { headers: { Accept: "application/json" } });
    expect(fetched.status).toBe(410);
    expect(await problem(fetched)).toMatchObject({ code: "version_purged" });

    const purgedEvents = await audit(
      tenant,
      `versionId=${published.versionId}&action=version.purged`,
    );
    expect(purgedEvents).toHaveLength(1);
    expect(purgedEvents[0]).toMatchObject({ reason: "retention_ended", actor: "system" });

    // No new link can be issued to it.
    const reissue = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: published.versionId },
    });
    expect(reissue.status).toBe(410);
    expect(await problem(reissue)).toMatchObject({ code: "version_purged", status: 410 });
  });

  it("purges a version once: a later run writes no second version.purged", async () => {
    const tenant = await seedTenant();
    const published = await publish(tenant, utf8("once"), { class: "internal" });
    const { retainUntil } = await version(tenant, published.versionId);
    const afterRetention = Date.parse(retainUntil ?? "") + 1;

    await sweepUntilDone(afterRetention);
    await sweepUntilDone(afterRetention + DAY_MS);

    const events = await audit(tenant, `versionId=${published.versionId}&action=version.purged`);
    expect(events).toHaveLength(1);
  });

  it("a run that stops half-way finishes on the next run, purging once", async () => {
    const tenant = await seedTenant();
    const published = await publish(tenant, utf8("half-way"), { class: "restricted" });
    const link = await issue(tenant, published.versionId, { maxUses: 1 });
    const { retainUntil } = await version(tenant, published.versionId);
    const afterRetention = Date.parse(retainUntil ?? "") + 1;

    // The run revokes the links and deletes the bytes, then D1 refuses to mark it purged.
    await env.DB.exec(
      "CREATE TRIGGER test_purge_stops BEFORE UPDATE OF purged_at ON versions " +
        "BEGIN SELECT RAISE(ABORT, 'the run stopped here'); END",
    );
    try {
      await runRetentionSweep(env, afterRetention);
    } finally {
      await env.DB.exec("DROP TRIGGER test_purge_stops");
    }
    expect(await env.FILES.head(storageKey(tenant, published.versionId))).toBeNull();
    expect(await version(tenant, published.versionId)).toMatchObject({ purged: false });
    expect(await linkState(tenant, link.id)).toMatchObject({ status: "revoked" });

    await sweepUntilDone(afterRetention);

    expect(await version(tenant, published.versionId)).toMatchObject({ purged: true });
    const purged = await audit(tenant, `versionId=${published.versionId}&action=version.purged`);
    expect(purged).toHaveLength(1);
    await flushAudit(link.id);
    const revocations = await audit(tenant, `linkId=${link.id}&action=link.revoked`);
    expect(revocations.map((event) => event.reason)).toEqual(["version_purged"]);
  });

  it("leaves a version still within its retention untouched", async () => {
    const tenant = await seedTenant();
    // patient-linked files are kept 30 days, restricted ones 90: sweep on day 31.
    expect(BUILT_IN_POLICY["patient-linked"].retentionSeconds).toBeLessThan(31 * 24 * 60 * 60);
    expect(BUILT_IN_POLICY.restricted.retentionSeconds).toBeGreaterThan(31 * 24 * 60 * 60);
    const expired = await publish(tenant, utf8("ward-4 cohort"), { class: "patient-linked" });
    const kept = await publish(tenant, utf8("ward-4 summary"), { class: "restricted" });
    const keptLink = await issue(tenant, kept.versionId, { maxUses: 1 });

    await sweepUntilDone(Date.now() + 31 * DAY_MS);

    expect(await version(tenant, expired.versionId)).toMatchObject({ purged: true });
    expect(await version(tenant, kept.versionId)).toMatchObject({ purged: false });
    expect(await env.FILES.head(storageKey(tenant, kept.versionId))).not.toBeNull();
    expect(await linkState(tenant, keptLink.id)).toMatchObject({ status: "active" });
    expect(await audit(tenant, `versionId=${kept.versionId}&action=version.purged`)).toEqual([]);

    const sessionPath = await confirmAndGetSessionPath(keptLink.path);
    const download = await call(sessionPath);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("ward-4 summary");
  });

  it("never purges a public version, whose retention is unlimited", async () => {
    const tenant = await seedTenant();
    const published = await publish(tenant, utf8("hospital,excess_readmission_ratio\n"), {
      class: "public",
    });
    expect(await version(tenant, published.versionId)).toMatchObject({ retainUntil: null });
    const link = await issue(tenant, published.versionId, { maxUses: 1 });

    await sweepUntilDone(Date.now() + 100 * 365 * DAY_MS);

    expect(await version(tenant, published.versionId)).toMatchObject({ purged: false });
    expect(await env.FILES.head(storageKey(tenant, published.versionId))).not.toBeNull();
    expect(await linkState(tenant, link.id)).toMatchObject({ status: "active" });
    expect(await audit(tenant, `versionId=${published.versionId}&action=version.purged`)).toEqual(
      [],
    );
  });
});

describe("between the end of retention and the sweep", () => {
  it("no new link can be issued to a version whose retention has ended", async () => {
    const tenant = await seedTenant();
    const published = await publish(tenant, utf8("expiring"), { class: "restricted" });
    // Retention ended a minute ago; the hourly sweep has not run yet.
    await env.DB.prepare("UPDATE versions SET retain_until = ? WHERE id = ?")
      .bind(Date.now() - 60_000, published.versionId)
      .run();

    const response = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: published.versionId },
    });
    expect(response.status).toBe(410);
    expect(await problem(response)).toMatchObject({ code: "version_purged" });
  });
});

describe("bundles and retention", () => {
  it("purging a member revokes the links to every bundle that holds it", async () => {
    const tenant = await seedTenant();
    const shortLived = await publish(tenant, utf8("restricted member"), { class: "restricted" });
    const longLived = await publish(tenant, utf8("internal member"), { class: "internal" });
    const created = await api(tenant, "/bundles", {
      method: "POST",
      json: { name: "quarterly-pack", versionIds: [shortLived.versionId, longLived.versionId] },
    });
    expect(created.status).toBe(201);
    const { bundleId } = await created.json<{ bundleId: string }>();
    const issued = await api(tenant, "/links", { method: "POST", json: { bundleId } });
    expect(issued.status).toBe(201);
    const link = await issued.json<{ id: string; url: string }>();

    // Restricted versions are kept 90 days, internal ones 365: sweep on day 91.
    await sweepUntilDone(Date.now() + 91 * DAY_MS);

    expect(await linkState(tenant, link.id)).toMatchObject({ status: "revoked" });
    const attempt = await confirm(new URL(link.url).pathname);
    expect(attempt.status).toBe(410);
    expect(await problem(attempt)).toMatchObject({ code: "version_purged" });
    await flushAudit(link.id);
    const revocations = await audit(tenant, `linkId=${link.id}&action=link.revoked`);
    expect(revocations.map((event) => event.reason)).toEqual(["version_purged"]);
  });
});
