/**
 * Rules on a started download: `alert.unusual_location` when the link's earlier downloads never
 * came from its country or address, `alert.outside_hours` when its class's weekly hours exclude
 * its time.
 */
import { describe, expect, it } from "vitest";
import { type AllowedHours, localClock, WEEKDAYS } from "../../src/links/constraints.ts";
import {
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
  evaluateChain,
  eventAt,
  putSettings,
  record,
  sealedEvents,
  startDownload,
} from "./support.ts";

const DAY = 86_400_000;

async function multiUseLink(tenant: TestTenant) {
  const version = await publish(tenant, utf8("HRRP excess readmission ratios"));
  return issue(tenant, version.versionId, { maxUses: 5 });
}

async function downloadsThenAlerts(tenant: TestTenant, linkId: string) {
  await flushAudit(linkId);
  await evaluateChain(tenant.tenantId);
  return alertsOf(tenant.tenantId);
}

describe("alert.unusual_location", () => {
  it("stays quiet for a link's first download and for addresses and countries seen", async () => {
    const tenant = await seedTenant();
    const link = await multiUseLink(tenant);
    await startDownload(link.path, "198.51.100.10", "US");
    await startDownload(link.path, "198.51.100.10", "US");

    expect(await downloadsThenAlerts(tenant, link.id)).toEqual([]);
  });

  it("fires for a download from a new address, and again from a new country", async () => {
    const tenant = await seedTenant();
    const link = await multiUseLink(tenant);
    await startDownload(link.path, "198.51.100.10", "US");
    await startDownload(link.path, "198.51.100.11", "US");
    await startDownload(link.path, "203.0.113.5", "DE");

    const alerts = await downloadsThenAlerts(tenant, link.id);
    const started = withAction(await sealedEvents(tenant.tenantId), "download.started");
    expect(alerts.map((alert) => [alert.reason, alert.detail?.triggerEventId])).toEqual([
      ["new_address", started[1]?.id],
      ["new_country", started[2]?.id],
    ]);
    expect(alerts[1]).toMatchObject({
      action: "alert.unusual_location",
      linkId: link.id,
      clientIp: "203.0.113.5",
      country: "DE",
      detail: {
        country: "DE",
        address: "203.0.113.5",
        newCountry: true,
        newAddress: true,
        seenCountries: ["US"],
        seenAddresses: ["198.51.100.10", "198.51.100.11"],
        lookBackSeconds: 30 * 86_400,
      },
    });
  });

  it("an unknown country is not a new one: a seen address with a country is quiet", async () => {
    const tenant = await seedTenant();
    const link = await multiUseLink(tenant);
    // As under `wrangler dev`: the edge reports no country for the first download.
    await startDownload(link.path, "198.51.100.20");
    await startDownload(link.path, "198.51.100.20", "FR");

    expect(await downloadsThenAlerts(tenant, link.id)).toEqual([]);
  });

  it("forgets downloads older than the look-back window", async () => {
    const tenant = await seedTenant();
    await putSettings(tenant, { alerts: { unusualLocation: { lookBackSeconds: 86_400 } } });
    const link = await multiUseLink(tenant);
    const now = Date.now();
    const download = { action: "download.started", outcome: "allowed", linkId: link.id } as const;
    await record(tenant.tenantId, [
      eventAt(tenant.tenantId, now - 3 * DAY, { ...download, ip: "198.51.100.30" }),
      eventAt(tenant.tenantId, now - DAY / 2, { ...download, ip: "198.51.100.31" }),
      eventAt(tenant.tenantId, now, { ...download, ip: "198.51.100.30" }),
    ]);
    await evaluateChain(tenant.tenantId);

    // 31 had no history within a day (quiet); 30's download three days ago is forgotten.
    const alerts = await alertsOf(tenant.tenantId);
    expect(alerts.map((alert) => [alert.reason, alert.clientIp])).toEqual([
      ["new_address", "198.51.100.30"],
    ]);
  });

  it("stays quiet when switched off", async () => {
    const tenant = await seedTenant();
    await putSettings(tenant, { alerts: { unusualLocation: { enabled: false } } });
    const link = await multiUseLink(tenant);
    await startDownload(link.path, "198.51.100.40", "US");
    await startDownload(link.path, "203.0.113.41", "BR");

    expect(await downloadsThenAlerts(tenant, link.id)).toEqual([]);
  });
});

const OFFICE_HOURS: AllowedHours = {
  days: ["mon", "tue", "wed", "thu", "fri"],
  from: "08:00",
  to: "18:00",
  timeZone: "America/New_York",
};

describe("alert.outside_hours", () => {
  it("fires for a real download on a day its class's schedule leaves out", async () => {
    const tenant = await seedTenant();
    // Every day but today's and tomorrow's (UTC), so a run near midnight cannot slip inside.
    const soon = [Date.now(), Date.now() + DAY].map((at) => localClock(at, "UTC").day);
    const days = WEEKDAYS.filter((day) => !soon.includes(day));
    const hours = { days, from: "00:00", to: "23:59", timeZone: "UTC" };
    await putSettings(tenant, { alerts: { outsideHours: { classes: { restricted: hours } } } });
    const version = await publish(tenant, utf8("restricted extract"), { class: "restricted" });
    const link = await issue(tenant, version.versionId);
    await startDownload(link.path, "198.51.100.50");

    const alerts = await downloadsThenAlerts(tenant, link.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      action: "alert.outside_hours",
      reason: "outside_class_hours",
      linkId: link.id,
      detail: { class: "restricted", hours, localDay: soon[0] },
    });
  });

  it("uses the schedule's zone: quiet inside, alerting before hours and at weekends", async () => {
    const tenant = await seedTenant();
    await putSettings(tenant, {
      alerts: { outsideHours: { classes: { internal: OFFICE_HOURS } } },
    });
    const version = await publish(tenant, utf8("internal extract"), { class: "internal" });
    const link = await issue(tenant, version.versionId);
    const download = { action: "download.started", outcome: "allowed", linkId: link.id } as const;
    // Wednesday 4 March 2026: 12:00 in New York is 17:00 UTC; 07:59 is 12:59 UTC.
    const noonWednesday = Date.UTC(2026, 2, 4, 17, 0);
    const beforeWork = Date.UTC(2026, 2, 4, 12, 59);
    const saturday = Date.UTC(2026, 2, 7, 17, 0);
    const events = [noonWednesday, beforeWork, saturday].map((at) =>
      eventAt(tenant.tenantId, at, download),
    );
    await record(tenant.tenantId, events);
    await evaluateChain(tenant.tenantId);

    const alerts = await alertsOf(tenant.tenantId);
    expect(alerts.map((alert) => [alert.detail?.localDay, alert.detail?.localTime])).toEqual([
      ["wed", "07:59"],
      ["sat", "12:00"],
    ]);
  });

  it("stays quiet for a class without a schedule", async () => {
    const tenant = await seedTenant();
    const never: AllowedHours = { days: ["sun"], from: "00:00", to: "00:01", timeZone: "UTC" };
    await putSettings(tenant, { alerts: { outsideHours: { classes: { internal: never } } } });
    const version = await publish(tenant, utf8("restricted extract"), { class: "restricted" });
    const link = await issue(tenant, version.versionId);
    await startDownload(link.path, "198.51.100.60");

    expect(await downloadsThenAlerts(tenant, link.id)).toEqual([]);
  });

  it("stays quiet when switched off, schedule or not", async () => {
    const tenant = await seedTenant();
    const never: AllowedHours = { days: ["sun"], from: "00:00", to: "00:01", timeZone: "UTC" };
    await putSettings(tenant, {
      alerts: { outsideHours: { enabled: false, classes: { restricted: never } } },
    });
    const version = await publish(tenant, utf8("restricted extract"), { class: "restricted" });
    const link = await issue(tenant, version.versionId);
    await startDownload(link.path, "198.51.100.61");

    expect(await downloadsThenAlerts(tenant, link.id)).toEqual([]);
  });
});
