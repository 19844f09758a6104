import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { tenantPolicies } from "../../src/db/schema.ts";
import { linkGuard } from "../../src/links/guard-client.ts";
import { BUILT_IN_POLICY, type SensitivityClass } from "../../src/policy/classes.ts";
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
} from "../support/harness.ts";

/** Ends every open session of the link as if its grace window had passed. */
async function lapseSessions(linkId: string): Promise<void> {
  const guard = linkGuard(env, linkId);
  await runInDurableObject(guard, (_instance, state) => {
    state.storage.sql.exec(
      "UPDATE sessions SET expires_at = ? WHERE ended_at IS NULL",
      Date.now() - 1,
    );
  });
  await runDurableObjectAlarm(guard);
}

async function readPartially(sessionPath: string, bytes: number): Promise<void> {
  const response = await call(sessionPath, { headers: { Range: `bytes=0-${bytes - 1}` } });
  expect(response.status).toBe(206);
  await response.arrayBuffer();
}

async function oneTimeLink(tenant: TestTenant, sensitivityClass: SensitivityClass = "restricted") {
  const version = await publish(tenant, new Uint8Array(env.SAMPLE_SYNTHEA_CSV), {
    class: sensitivityClass,
  });
  return issue(tenant, version.versionId, { maxUses: 1 });
}

async function startedEvents(tenant: TestTenant, linkId: string) {
  await flushAudit(linkId);
  const audit = await api(tenant, `/audit?linkId=${linkId}&action=download.started`);
  const { events } = await audit.json<{ events: { detail: { retry: boolean } }[] }>();
  return events.map((event) => event.detail.retry);
}

describe("confirming again after a session lapsed incomplete", () => {
  it("a restricted one-time link may be confirmed once more without spending a use", async () => {
    const tenant = await seedTenant();
    const link = await oneTimeLink(tenant);
    await readPartially(await confirmAndGetSessionPath(link.path), 1000);
    await lapseSessions(link.id);

    const retried = await confirmAndGetSessionPath(link.path);
    const download = await call(retried);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(env.SAMPLE_SYNTHEA_CSV.byteLength);

    const state = await (await api(tenant, `/links/${link.id}`)).json<Record<string, unknown>>();
    expect(state).toMatchObject({ usesSpent: 1, status: "used_up" });
    expect(await startedEvents(tenant, link.id)).toEqual([true, false]);
  });

  it("only once: a second lapse leaves the link used up", async () => {
    const tenant = await seedTenant();
    const link = await oneTimeLink(tenant);
    await readPartially(await confirmAndGetSessionPath(link.path), 1000);
    await lapseSessions(link.id);
    await readPartially(await confirmAndGetSessionPath(link.path), 1000);
    await lapseSessions(link.id);

    const third = await confirm(link.path);
    expect(third.status).toBe(410);
    expect(await third.json()).toMatchObject({ code: "link_used_up" });
  });

  it("a completed download earns no retry", async () => {
    const tenant = await seedTenant();
    const link = await oneTimeLink(tenant);
    await (await call(await confirmAndGetSessionPath(link.path))).arrayBuffer();
    await lapseSessions(link.id);
    expect((await confirm(link.path)).status).toBe(410);
  });

  it("a still-open session earns no retry: the recipient should resume it", async () => {
    const tenant = await seedTenant();
    const link = await oneTimeLink(tenant);
    await readPartially(await confirmAndGetSessionPath(link.path), 1000);
    expect((await confirm(link.path)).status).toBe(410);
  });

  it("patient-linked links never get a retry", async () => {
    const tenant = await seedTenant();
    // Keep the class's retry rule but drop identity and approval, which would stop the download.
    await database(env.DB)
      .insert(tenantPolicies)
      .values({
        tenantId: tenant.tenantId,
        class: "patient-linked",
        policy: {
          ...BUILT_IN_POLICY["patient-linked"],
          identityRequired: false,
          approvalRequired: false,
        },
        updatedBy: "test",
        updatedAt: Date.now(),
      });
    expect(BUILT_IN_POLICY["patient-linked"].retriesAfterLapse).toBe(0);
    const link = await oneTimeLink(tenant, "patient-linked");
    await readPartially(await confirmAndGetSessionPath(link.path), 1000);
    await lapseSessions(link.id);

    const again = await confirm(link.path);
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ code: "link_used_up" });
  });
});
