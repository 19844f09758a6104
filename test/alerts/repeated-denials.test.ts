/**
 * Rule: repeated denied downloads of one link, or from one address across the tenant, raise
 * `alert.repeated_denials` once per crossing of the threshold within the window.
 */
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids.ts";
import {
  api,
  flushAudit,
  issue,
  publish,
  seedTenant,
  type TestTenant,
  utf8,
  withAction,
} from "../support/harness.ts";
import {
  alertsOf,
  deniedFrom,
  evaluateChain,
  eventAt,
  putSettings,
  record,
  sealedEvents,
  startDownload,
} from "./support.ts";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0);

async function revokedLink(tenant: TestTenant) {
  const version = await publish(tenant, utf8("ward 7 readmissions"));
  const link = await issue(tenant, version.versionId);
  const revoked = await api(tenant, `/links/${link.id}/revoke`, { method: "POST" });
  expect(revoked.status).toBe(200);
  return link;
}

async function tenantWithThresholds(perLink: number, perAddress: number) {
  const tenant = await seedTenant();
  await putSettings(tenant, {
    alerts: { repeatedDenials: { perLink, perAddress, windowSeconds: 15 * 60 } },
  });
  return tenant;
}

describe("alert.repeated_denials on one link", () => {
  it("fires once when a link's denials reach the threshold, naming the third denial", async () => {
    const tenant = await tenantWithThresholds(3, 100);
    const link = await revokedLink(tenant);
    for (const ip of ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]) {
      await deniedFrom(link.path, ip);
    }
    await flushAudit(link.id);
    await evaluateChain(tenant.tenantId);

    const denials = withAction(await sealedEvents(tenant.tenantId), "download.denied");
    expect(denials).toHaveLength(4);
    const alerts = await alertsOf(tenant.tenantId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      action: "alert.repeated_denials",
      outcome: "succeeded",
      reason: "denials_on_link",
      actor: "system",
      linkId: link.id,
      clientIp: "198.51.100.3",
      occurredAt: denials[2]?.occurredAt,
      detail: {
        subject: "link",
        linkId: link.id,
        count: 3,
        threshold: 3,
        windowSeconds: 900,
        triggerEventId: denials[2]?.id,
      },
    });
  });

  it("stays quiet below the threshold", async () => {
    const tenant = await tenantWithThresholds(3, 100);
    const link = await revokedLink(tenant);
    await deniedFrom(link.path, "198.51.100.1");
    await deniedFrom(link.path, "198.51.100.2");
    await flushAudit(link.id);
    await evaluateChain(tenant.tenantId);

    expect(withAction(await sealedEvents(tenant.tenantId), "download.denied")).toHaveLength(2);
    expect(await alertsOf(tenant.tenantId)).toEqual([]);
  });

  it("stays quiet when the rule is switched off, however many denials", async () => {
    const tenant = await seedTenant();
    await putSettings(tenant, { alerts: { repeatedDenials: { enabled: false, perLink: 2 } } });
    const link = await revokedLink(tenant);
    for (let n = 0; n < 4; n += 1) await deniedFrom(link.path, "198.51.100.9");
    await flushAudit(link.id);
    await evaluateChain(tenant.tenantId);

    expect(await alertsOf(tenant.tenantId)).toEqual([]);
  });

  it("counts only denials inside the window: spread-out denials never alert", async () => {
    const tenant = await tenantWithThresholds(3, 100);
    const linkId = newId("link");
    await record(
      tenant.tenantId,
      [0, 10, 20, 30, 40].map((minutes) =>
        eventAt(tenant.tenantId, T0 + minutes * MINUTE, { linkId, ip: `192.0.2.${minutes}` }),
      ),
    );
    await evaluateChain(tenant.tenantId);

    expect(await alertsOf(tenant.tenantId)).toEqual([]);
  });

  it("a denial that brings the sliding window to the threshold alerts", async () => {
    const tenant = await tenantWithThresholds(3, 100);
    const linkId = newId("link");
    const events = [0, 10, 20, 21].map((minutes) =>
      eventAt(tenant.tenantId, T0 + minutes * MINUTE, { linkId, ip: `192.0.2.${minutes}` }),
    );
    await record(tenant.tenantId, events);
    await evaluateChain(tenant.tenantId);

    // The window ending at 21 min holds 10, 20 and 21; the one ending at 20 only 10 and 20.
    const alerts = await alertsOf(tenant.tenantId);
    expect(alerts.map((alert) => alert.detail?.triggerEventId)).toEqual([events[3]?.id]);
  });

  it("alerts once per crossing: not while denials go on, again after a quiet spell", async () => {
    const tenant = await tenantWithThresholds(3, 100);
    const linkId = newId("link");
    const minutes = [0, 1, 2, 3, 4, 5, 60, 61, 62];
    const events = minutes.map((minute) =>
      eventAt(tenant.tenantId, T0 + minute * MINUTE, { linkId, ip: `192.0.2.${minute}` }),
    );
    await record(tenant.tenantId, events);
    await evaluateChain(tenant.tenantId);

    const alerts = await alertsOf(tenant.tenantId);
    expect(alerts.map((alert) => alert.detail?.triggerEventId)).toEqual([
      events[2]?.id,
      events[8]?.id,
    ]);
  });
});

describe("alert.repeated_denials from one address", () => {
  it("fires for one address denied on several links, each below the link threshold", async () => {
    const tenant = await tenantWithThresholds(3, 3);
    const links = [await revokedLink(tenant), await revokedLink(tenant), await revokedLink(tenant)];
    for (const link of links) {
      await deniedFrom(link.path, "203.0.113.66");
      await flushAudit(link.id);
    }
    await evaluateChain(tenant.tenantId);

    const alerts = await alertsOf(tenant.tenantId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      reason: "denials_from_address",
      linkId: null,
      clientIp: "203.0.113.66",
      detail: { subject: "address", address: "203.0.113.66", count: 3, threshold: 3 },
    });
  });

  it("never counts another tenant's denials from the same address", async () => {
    const tenant = await tenantWithThresholds(3, 3);
    const other = await tenantWithThresholds(3, 3);
    const mine = await revokedLink(tenant);
    const theirs = await revokedLink(other);
    await deniedFrom(mine.path, "203.0.113.77");
    await deniedFrom(theirs.path, "203.0.113.77");
    await deniedFrom(theirs.path, "203.0.113.77");
    await flushAudit(mine.id);
    await flushAudit(theirs.id);
    await evaluateChain(tenant.tenantId);
    await evaluateChain(other.tenantId);

    expect(await alertsOf(tenant.tenantId)).toEqual([]);
    expect(await alertsOf(other.tenantId)).toEqual([]);
  });

  it("a download that succeeds is no denial", async () => {
    const tenant = await tenantWithThresholds(2, 2);
    const version = await publish(tenant, utf8("discharge summary counts"));
    const link = await issue(tenant, version.versionId, { maxUses: 3 });
    for (let n = 0; n < 3; n += 1) await startDownload(link.path, "203.0.113.88");
    await flushAudit(link.id);
    await evaluateChain(tenant.tenantId);

    expect(withAction(await sealedEvents(tenant.tenantId), "download.started")).toHaveLength(3);
    expect(await alertsOf(tenant.tenantId)).toEqual([]);
  });
});
