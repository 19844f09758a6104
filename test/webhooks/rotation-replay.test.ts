/**
 * Rotating an endpoint's secret (two signatures while the grace lasts), the deliveries listing,
 * and replaying a sealed event with its original webhook-id, through the real chain: the API
 * writes an event, its ledger seals and publishes it, the events consumer fans it out, and the
 * webhooks consumer delivers it to the receiver.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { requestSeal } from "../../src/audit/ledger-client.ts";
import { database } from "../../src/db/client.ts";
import { auditEvents } from "../../src/db/schema.ts";
import { api, seedTenant } from "../support/harness.ts";
import {
  attemptRows,
  createWebhook,
  deliverOnce,
  received,
  receiverUrl,
  sealedEvent,
  waitForReceived,
} from "./support.ts";

interface Rotated {
  secret: string;
  previousSecretExpiresAt: string | null;
}

async function rotate(tenantKey: string, webhookId: string, json?: object) {
  const response = await api(tenantKey, `/webhooks/${webhookId}/rotate-secret`, {
    method: "POST",
    ...(json ? { json } : {}),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<Rotated>();
}

describe("rotating the secret", () => {
  it("signs with the new and the previous secret during the grace period", async () => {
    const tenant = await seedTenant();
    const webhook = await createWebhook(tenant);
    const rotated = await rotate(tenant.key, webhook.id);

    expect(rotated.secret).not.toBe(webhook.secret);
    const grace = Date.parse(rotated.previousSecretExpiresAt ?? "") - Date.now();
    expect(grace).toBeGreaterThan(86_400_000 - 60_000);
    expect(grace).toBeLessThanOrEqual(86_400_000);

    const event = sealedEvent(tenant.tenantId);
    await deliverOnce({ endpointId: webhook.id, tenantId: tenant.tenantId, event, replay: false });
    const [request] = await received(webhook.url);
    const headers = request?.headers ?? {};
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of [webhook.secret, rotated.secret]) {
      expect(new Webhook(secret).verify(request?.body ?? "", headers)).toMatchObject({
        data: { id: event.id },
      });
    }
  });

  it("signs with the new secret alone when the grace is 0", async () => {
    const tenant = await seedTenant();
    const webhook = await createWebhook(tenant);
    const rotated = await rotate(tenant.key, webhook.id, { graceSeconds: 0 });
    expect(rotated.previousSecretExpiresAt).toBeNull();

    const event = sealedEvent(tenant.tenantId);
    await deliverOnce({ endpointId: webhook.id, tenantId: tenant.tenantId, event, replay: false });
    const [request] = await received(webhook.url);
    const headers = request?.headers ?? {};
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => new Webhook(webhook.secret).verify(request?.body ?? "", headers)).toThrow(
      /No matching signature/,
    );
    expect(new Webhook(rotated.secret).verify(request?.body ?? "", headers)).toBeTruthy();
  });

  it("audits the rotation without either secret", async () => {
    const tenant = await seedTenant();
    const webhook = await createWebhook(tenant);
    const rotated = await rotate(tenant.key, webhook.id);

    const rows = await database(env.DB)
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.tenantId, tenant.tenantId))
      .all();
    const [event] = rows.filter((row) => row.action === "webhook.secret_rotated");
    expect(event?.detail).toMatchObject({
      webhookId: webhook.id,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt,
    });
    const everything = JSON.stringify(rows);
    for (const secret of [webhook.secret, rotated.secret]) {
      expect(everything).not.toContain(secret.slice(6));
    }
  });

  it("refuses a grace longer than 7 days with 400 invalid_request", async () => {
    const tenant = await seedTenant();
    const webhook = await createWebhook(tenant);
    const response = await api(tenant, `/webhooks/${webhook.id}/rotate-secret`, {
      method: "POST",
      json: { graceSeconds: 8 * 86_400 },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });
});

describe("GET /v1/webhooks/{id}/deliveries", () => {
  it("pages the attempts newest first with a cursor, each page disjoint", async () => {
    const tenant = await seedTenant();
    const webhook = await createWebhook(tenant, { url: receiverUrl("fail") });
    const message = {
      endpointId: webhook.id,
      tenantId: tenant.tenantId,
      event: sealedEvent(tenant.tenantId),
      replay: false,
    };
    for (const attempt of [1, 2, 3]) {
      await deliverOnce(message, attempt);
      // Distinct attempt times, so newest-first has one right answer.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    type Page = { deliveries: { attempt: number }[]; nextCursor: string | null };
    const first = await api(tenant, `/webhooks/${webhook.id}/deliveries?limit=2`);
    const page1 = await first.json<Page>();
    expect(page1.deliveries.map((row) => row.attempt)).toEqual([3, 2]);
    expect(page1.deliveries[0]).toMatchObject({
      status: "failed",
      responseStatus: 500,
      error: "HTTP 500: receiver is down",
      replay: false,
    });

    const next = `/webhooks/${webhook.id}/deliveries?limit=2&cursor=${page1.nextCursor}`;
    const page2 = await (await api(tenant, next)).json<Page>();
    expect(page2.deliveries.map((row) => row.attempt)).toEqual([1]);
    expect(page2.nextCursor).toBeNull();
  });

  it("refuses a cursor it did not issue with 400 invalid_request", async () => {
    const tenant = await seedTenant();
    const webhook = await createWebhook(tenant);
    const response = await api(tenant, `/webhooks/${webhook.id}/deliveries?cursor=bm9wZQ`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });
});

/** A tenant's new endpoint, and its own `webhook.created` event, sealed. */
async function webhookWithItsCreation(eventTypes: string[]) {
  const tenant = await seedTenant();
  const webhook = await createWebhook(tenant, { eventTypes });
  await requestSeal(env, tenant.tenantId);
  const [created] = await database(env.DB)
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.tenantId, tenant.tenantId))
    .all();
  return { tenant, webhook, created };
}

describe("POST /v1/webhooks/{id}/replay", () => {
  it("delivers a sealed event again under the same webhook-id, marked as a replay", async () => {
    const tenant = await seedTenant();
    // The endpoint hears of its own creation: webhook.created goes through ledger and queues.
    const webhook = await createWebhook(tenant, { eventTypes: ["webhook.*"] });
    await requestSeal(env, tenant.tenantId);
    const [original] = await waitForReceived(webhook.url, 1);
    const eventId = original?.headers["webhook-id"] ?? "";
    expect(JSON.parse(original?.body ?? "{}")).toMatchObject({
      type: "webhook.created",
      data: { id: eventId, tenantId: tenant.tenantId, seq: expect.any(Number) },
    });

    const response = await api(tenant, `/webhooks/${webhook.id}/replay`, {
      method: "POST",
      json: { eventId },
    });
    expect(response.status, await response.clone().text()).toBe(202);

    const requests = await waitForReceived(webhook.url, 2);
    expect(requests.map((request) => request.headers["webhook-id"]).slice(0, 2)).toEqual([
      eventId,
      eventId,
    ]);
    expect(requests[1]?.body).toBe(original?.body);
    const rows = (await attemptRows(webhook.id)).filter((row) => row.eventId === eventId);
    expect(rows.map((row) => row.replay).sort()).toEqual([false, true]);
  });

  it("audits the replay as webhook.replayed, naming the endpoint and the event", async () => {
    const { tenant, webhook, created } = await webhookWithItsCreation(["webhook.*"]);

    await api(tenant, `/webhooks/${webhook.id}/replay`, {
      method: "POST",
      json: { eventId: created?.id },
    });
    const replayed = (
      await database(env.DB)
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.tenantId, tenant.tenantId))
        .all()
    ).filter((row) => row.action === "webhook.replayed");
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatchObject({
      outcome: "succeeded",
      actor: tenant.principal,
      detail: { webhookId: webhook.id, eventId: created?.id, replayedAction: "webhook.created" },
    });
  });

  it("refuses with 422 event_not_subscribed an event type the endpoint does not take", async () => {
    const { tenant, webhook, created } = await webhookWithItsCreation(["link.*"]);
    expect(created?.action).toBe("webhook.created");

    const response = await api(tenant, `/webhooks/${webhook.id}/replay`, {
      method: "POST",
      json: { eventId: created?.id },
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      code: "event_not_subscribed",
      action: "webhook.created",
      eventTypes: ["link.*"],
    });
    const attempts = await attemptRows(webhook.id);
    expect(attempts).toEqual([]);
  });

  it("answers 404 for an event of another tenant, exactly as for a missing one", async () => {
    const owner = await seedTenant();
    const stranger = await seedTenant();
    const theirs = await createWebhook(stranger);
    await createWebhook(owner);
    await requestSeal(env, owner.tenantId);
    const [ownerEvent] = await database(env.DB)
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.tenantId, owner.tenantId))
      .all();

    const foreign = await api(stranger, `/webhooks/${theirs.id}/replay`, {
      method: "POST",
      json: { eventId: ownerEvent?.id },
    });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ code: "not_found" });
  });
});
