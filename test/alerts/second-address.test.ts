/**
 * LinkGuard records `download.address_changed` when a session is fetched from an address other
 * than the one that opened it; the rule turns it into `alert.second_address` for one-time links.
 * Also: redelivered events and alert events raise nothing more.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alertId } from "../../src/alerts/alert-events.ts";
import { evaluateAlerts } from "../../src/alerts/rules.ts";
import { consumeQueue } from "../../src/events/consumer.ts";
import { idPattern, newId } from "../../src/ids.ts";
import {
  call,
  flushAudit,
  issue,
  publish,
  seedTenant,
  type TestTenant,
  utf8,
  withAction,
} from "../support/harness.ts";
import { alertsOf, evaluateChain, putSettings, sealedEvents, startDownload } from "./support.ts";

const BYTES = utf8("patient-level extract, one download only");

async function linkWith(tenant: TestTenant, maxUses: number) {
  const version = await publish(tenant, BYTES);
  return issue(tenant, version.versionId, { maxUses });
}

async function fetchFrom(sessionPath: string, ip: string): Promise<void> {
  const response = await call(sessionPath, { headers: { "CF-Connecting-IP": ip } });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(new Uint8Array(await response.arrayBuffer())).toEqual(BYTES);
}

describe("download.address_changed, written by LinkGuard", () => {
  it("records each new address once per session, with the first, and still serves", async () => {
    const tenant = await seedTenant();
    const link = await linkWith(tenant, 1);
    const session = await startDownload(link.path, "198.51.100.1");
    await fetchFrom(session, "198.51.100.1");
    await fetchFrom(session, "203.0.113.2");
    await fetchFrom(session, "203.0.113.2");
    await fetchFrom(session, "192.0.2.3");
    await flushAudit(link.id);

    const changed = withAction(await sealedEvents(tenant.tenantId), "download.address_changed");
    expect(changed.map((event) => [event.clientIp, event.outcome, event.detail])).toEqual([
      ["203.0.113.2", "allowed", { firstAddress: "198.51.100.1", oneTime: true }],
      ["192.0.2.3", "allowed", { firstAddress: "198.51.100.1", oneTime: true }],
    ]);
    expect(changed.every((event) => event.linkId === link.id)).toBe(true);
  });

  it("records nothing while the session stays on the address that opened it", async () => {
    const tenant = await seedTenant();
    const link = await linkWith(tenant, 1);
    const session = await startDownload(link.path, "198.51.100.4");
    await fetchFrom(session, "198.51.100.4");
    await fetchFrom(session, "198.51.100.4");
    await flushAudit(link.id);

    const events = await sealedEvents(tenant.tenantId);
    expect(withAction(events, "download.completed")).toHaveLength(1);
    expect(withAction(events, "download.address_changed")).toEqual([]);
  });
});

describe("alert.second_address", () => {
  it("fires for each new address of a one-time link's session", async () => {
    const tenant = await seedTenant();
    const link = await linkWith(tenant, 1);
    const session = await startDownload(link.path, "198.51.100.5");
    await fetchFrom(session, "203.0.113.6");
    await flushAudit(link.id);
    await evaluateChain(tenant.tenantId);

    const [changed] = withAction(await sealedEvents(tenant.tenantId), "download.address_changed");
    const alerts = await alertsOf(tenant.tenantId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      action: "alert.second_address",
      reason: "session_address_changed",
      linkId: link.id,
      clientIp: "203.0.113.6",
      detail: {
        firstAddress: "198.51.100.5",
        address: "203.0.113.6",
        triggerEventId: changed?.id,
      },
    });
  });

  it("stays quiet for a multi-use link, whose recipients may download anywhere", async () => {
    const tenant = await seedTenant();
    const link = await linkWith(tenant, 3);
    const session = await startDownload(link.path, "198.51.100.7");
    await fetchFrom(session, "203.0.113.8");
    await flushAudit(link.id);
    await evaluateChain(tenant.tenantId);

    const changed = withAction(await sealedEvents(tenant.tenantId), "download.address_changed");
    expect(changed.map((event) => event.detail)).toEqual([
      { firstAddress: "198.51.100.7", oneTime: false },
    ]);
    expect(await alertsOf(tenant.tenantId)).toEqual([]);
  });

  it("stays quiet when switched off", async () => {
    const tenant = await seedTenant();
    await putSettings(tenant, { alerts: { secondAddress: { enabled: false } } });
    const link = await linkWith(tenant, 1);
    const session = await startDownload(link.path, "198.51.100.9");
    await fetchFrom(session, "203.0.113.10");
    await flushAudit(link.id);
    await evaluateChain(tenant.tenantId);

    expect(await alertsOf(tenant.tenantId)).toEqual([]);
  });
});

describe("alerts are raised once", () => {
  it("an alert's id is an event id derived from its rule and its trigger", async () => {
    const trigger = newId("event");
    const id = await alertId("second_address", trigger);
    expect(id).toMatch(idPattern("event"));
    expect(await alertId("second_address", trigger)).toBe(id);
    expect(await alertId("outside_hours", trigger)).not.toBe(id);
    expect(await alertId("second_address", newId("event"))).not.toBe(id);
  });

  it("a redelivered event, through the real consumer, raises no second alert", async () => {
    const tenant = await seedTenant();
    const link = await linkWith(tenant, 1);
    const session = await startDownload(link.path, "198.51.100.11");
    await fetchFrom(session, "203.0.113.12");
    await flushAudit(link.id);
    const events = await sealedEvents(tenant.tenantId);
    const [changed] = withAction(events, "download.address_changed");

    for (let delivery = 1; delivery <= 2; delivery += 1) {
      const messages = events.map((body) => ({
        id: newId("event"),
        timestamp: new Date(),
        attempts: delivery,
        body,
      }));
      const batch = createMessageBatch<unknown>("portcullis-events", messages);
      await consumeQueue(batch, env);
      const result = await getQueueResult(batch, createExecutionContext());
      expect(result.retryMessages).toEqual([]);
    }

    const alerts = await alertsOf(tenant.tenantId);
    expect(alerts.map((alert) => alert.id)).toEqual([
      await alertId("second_address", changed?.id ?? ""),
    ]);
  });

  it("evaluating alert events, however often, raises no further alert", async () => {
    const tenant = await seedTenant();
    const link = await linkWith(tenant, 1);
    const session = await startDownload(link.path, "198.51.100.13");
    await fetchFrom(session, "203.0.113.14");
    await fetchFrom(session, "192.0.2.15");
    await flushAudit(link.id);
    await evaluateChain(tenant.tenantId);
    const raised = await alertsOf(tenant.tenantId);
    expect(raised).toHaveLength(2);

    // The chain now holds the alerts, sealed: run every event again, alerts included.
    const chain = await sealedEvents(tenant.tenantId);
    const sealedAlerts = chain.filter((event) => event.action.startsWith("alert."));
    expect(sealedAlerts).toHaveLength(2);
    for (const event of chain) await evaluateAlerts(env, event);

    const after = await alertsOf(tenant.tenantId);
    expect(after.map((alert) => alert.id)).toEqual(raised.map((alert) => alert.id));
    const triggers = new Set(after.map((alert) => alert.detail?.triggerEventId));
    expect(chain.filter((event) => triggers.has(event.id)).map((event) => event.action)).toEqual([
      "download.address_changed",
      "download.address_changed",
    ]);
  });
});
