/**
 * Tenant settings through /v1/policy: defaults, validation (400 naming the field, never a 500,
 * nothing changed), the `settings.changed` audit event in the same batch, and how a stored row
 * that no longer passes the schema is read.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { tenantSettings } from "../../src/db/schema.ts";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import {
  DEFAULT_SETTINGS,
  MAX_AUDIT_RETENTION_DAYS,
  type TenantSettings,
} from "../../src/policy/settings.ts";
import { loadTenantSettings } from "../../src/policy/settings-store.ts";
import { api, seedTenant, type TestTenant } from "../support/harness.ts";

interface SettingsEvent {
  action: string;
  actor: string | null;
  requestId: string | null;
  detail: { before: TenantSettings; after: TenantSettings } | null;
}

async function readSettings(tenant: TestTenant): Promise<TenantSettings> {
  const response = await api(tenant, "/policy");
  expect(response.status).toBe(200);
  return (await response.json<{ settings: TenantSettings }>()).settings;
}

function putBody(tenant: TestTenant, json: unknown) {
  return api(tenant, "/policy", { method: "PUT", json });
}

async function settingsEvents(tenant: TestTenant): Promise<SettingsEvent[]> {
  const response = await api(tenant, "/audit?action=settings.changed");
  expect(response.status).toBe(200);
  return (await response.json<{ events: SettingsEvent[] }>()).events;
}

const stricter = {
  alerts: {
    repeatedDenials: { perLink: 3, windowSeconds: 600 },
    outsideHours: {
      classes: {
        "patient-linked": {
          days: ["mon", "tue", "wed", "thu", "fri"],
          from: "07:00",
          to: "19:00",
          timeZone: "Europe/London",
        },
      },
    },
  },
  auditRetentionDays: 3650,
};

const expectedStricter: TenantSettings = {
  alerts: {
    ...DEFAULT_SETTINGS.alerts,
    repeatedDenials: { ...DEFAULT_SETTINGS.alerts.repeatedDenials, perLink: 3, windowSeconds: 600 },
    outsideHours: { enabled: true, classes: stricter.alerts.outsideHours.classes },
  } as TenantSettings["alerts"],
  auditRetentionDays: 3650,
};

describe("settings in /v1/policy", () => {
  it("a tenant that set nothing reads defaults: every rule on, six years of audit", async () => {
    const tenant = await seedTenant();
    const settings = await readSettings(tenant);
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(settings.auditRetentionDays).toBe(2192);
    expect(settings.alerts.repeatedDenials).toEqual({
      enabled: true,
      perLink: 5,
      perAddress: 20,
      windowSeconds: 900,
    });
    expect(await loadTenantSettings(database(env.DB), tenant.tenantId)).toEqual(DEFAULT_SETTINGS);
  });

  it("PUT replaces settings (omitted fields take defaults), audited before and after", async () => {
    const tenant = await seedTenant({ principal: "compliance-admin" });
    const response = await putBody(tenant, { settings: stricter });
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json<{ settings: unknown }>()).settings).toEqual(expectedStricter);
    expect(await readSettings(tenant)).toEqual(expectedStricter);
    expect(await loadTenantSettings(database(env.DB), tenant.tenantId)).toEqual(expectedStricter);

    const events = await settingsEvents(tenant);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: "compliance-admin",
      requestId: response.headers.get("Portcullis-Request-Id"),
      detail: { before: DEFAULT_SETTINGS, after: expectedStricter },
    });

    // A second PUT without the retention takes the default again: settings are replaced whole.
    await putBody(tenant, { settings: { alerts: stricter.alerts } });
    expect((await readSettings(tenant)).auditRetentionDays).toBe(2192);
    const [latest] = await settingsEvents(tenant);
    expect(latest?.detail?.before.auditRetentionDays).toBe(3650);
    expect(latest?.detail?.after.auditRetentionDays).toBe(2192);
  });

  it("a PUT that gives the current settings writes no event", async () => {
    const tenant = await seedTenant();
    expect((await putBody(tenant, { settings: {} })).status).toBe(200);
    await putBody(tenant, { settings: stricter });
    await putBody(tenant, { settings: stricter });

    expect(await settingsEvents(tenant)).toHaveLength(1);
  });

  it("classes and settings in one PUT are both applied, each audited", async () => {
    const tenant = await seedTenant();
    const internal = { ...BUILT_IN_POLICY.internal, maxUses: 7 };
    const response = await putBody(tenant, { classes: { internal }, settings: stricter });
    expect(response.status).toBe(200);

    const body = await response.json<{ classes: { internal: unknown }; settings: unknown }>();
    expect(body.classes.internal).toEqual(internal);
    expect(body.settings).toEqual(expectedStricter);
    const audit = await api(tenant, "/audit");
    const { events } = await audit.json<{ events: { action: string }[] }>();
    expect(events.map((event) => event.action).sort()).toEqual([
      "policy.changed",
      "settings.changed",
    ]);
  });
});

describe("invalid settings are refused with 400 naming the field, and change nothing", () => {
  const internal = { ...BUILT_IN_POLICY.internal, maxUses: 7 };
  it.each([
    ["audit retention under a year", { auditRetentionDays: 364 }, "settings.auditRetentionDays"],
    ["a fractional retention", { auditRetentionDays: 400.5 }, "settings.auditRetentionDays"],
    ["a retention given as text", { auditRetentionDays: "3650" }, "settings.auditRetentionDays"],
    ["a huge retention", { auditRetentionDays: 1e308 }, "settings.auditRetentionDays"],
    [
      "a threshold of one",
      { alerts: { repeatedDenials: { perLink: 1 } } },
      "settings.alerts.repeatedDenials.perLink",
    ],
    [
      "a window under a minute",
      { alerts: { repeatedDenials: { windowSeconds: 59 } } },
      "settings.alerts.repeatedDenials.windowSeconds",
    ],
    [
      "a misspelt field",
      { alerts: { repeatedDenials: { perlink: 3 } } },
      "settings.alerts.repeatedDenials",
    ],
    ["an unknown rule", { alerts: { loudNoises: { enabled: true } } }, "settings.alerts"],
    [
      "an unknown class",
      { alerts: { outsideHours: { classes: { secret: stricter.alerts.outsideHours.classes } } } },
      "settings.alerts.outsideHours.classes",
    ],
    [
      "a time zone that does not exist",
      {
        alerts: {
          outsideHours: {
            classes: {
              internal: { days: ["mon"], from: "08:00", to: "18:00", timeZone: "Mars/Base" },
            },
          },
        },
      },
      "settings.alerts.outsideHours.classes.internal.timeZone",
    ],
    [
      "hours that end before they start",
      {
        alerts: {
          outsideHours: {
            classes: { internal: { days: ["mon"], from: "18:00", to: "08:00", timeZone: "UTC" } },
          },
        },
      },
      "settings.alerts.outsideHours.classes.internal",
    ],
    [
      "an enabled flag that is not a boolean",
      { alerts: { secondAddress: { enabled: "no" } } },
      "settings.alerts.secondAddress.enabled",
    ],
    ["settings that are null", null, "settings"],
    ["settings that are a list", [], "settings"],
  ])("%s", async (_name, settings, field) => {
    const tenant = await seedTenant();
    // A valid class change alongside: a PUT is applied whole or not at all.
    const response = await putBody(tenant, { classes: { internal }, settings });

    expect(response.status).toBe(400);
    const problem = await response.json<{ code: string; issues: { field: string }[] }>();
    expect(problem.code).toBe("invalid_request");
    expect(problem.issues.map((issue) => issue.field)).toContain(field);
    expect(await readSettings(tenant)).toEqual(DEFAULT_SETTINGS);
    const policy = await (await api(tenant, "/policy")).json<{ classes: unknown }>();
    expect(policy).toMatchObject({ classes: { internal: BUILT_IN_POLICY.internal } });
    expect(await settingsEvents(tenant)).toEqual([]);
  });

  it("a key without the admin scope can neither read nor change the settings", async () => {
    const tenant = await seedTenant({ scopes: ["publish", "issue"] });
    expect((await api(tenant, "/policy")).status).toBe(403);
    expect((await putBody(tenant, { settings: stricter })).status).toBe(403);
  });
});

describe("a stored row that no longer passes the schema", () => {
  async function storeRaw(tenantId: string, settings: Record<string, unknown>) {
    await database(env.DB)
      .insert(tenantSettings)
      .values({ tenantId, settings, updatedBy: "older-release", updatedAt: Date.now() });
  }

  it("keeps audit events as long as allowed when the retention is unreadable", async () => {
    const tenant = await seedTenant();
    await storeRaw(tenant.tenantId, { alerts: stricter.alerts, auditRetentionDays: 30 });

    const settings = await loadTenantSettings(database(env.DB), tenant.tenantId);
    expect(settings.auditRetentionDays).toBe(MAX_AUDIT_RETENTION_DAYS);
    expect(settings.alerts).toEqual(expectedStricter.alerts);
  });

  it("alerts with the defaults when the alert settings are unreadable", async () => {
    const tenant = await seedTenant();
    await storeRaw(tenant.tenantId, {
      alerts: { repeatedDenials: { enabled: false, perLink: 0 } },
      auditRetentionDays: 4000,
    });

    const settings = await loadTenantSettings(database(env.DB), tenant.tenantId);
    expect(settings).toEqual({ alerts: DEFAULT_SETTINGS.alerts, auditRetentionDays: 4000 });
  });

  it("fills in fields a row from an older release lacks with their defaults", async () => {
    const tenant = await seedTenant();
    await storeRaw(tenant.tenantId, { alerts: { secondAddress: { enabled: false } } });

    const settings = await loadTenantSettings(database(env.DB), tenant.tenantId);
    expect(settings).toEqual({
      alerts: { ...DEFAULT_SETTINGS.alerts, secondAddress: { enabled: false } },
      auditRetentionDays: 2192,
    });
  });
});
