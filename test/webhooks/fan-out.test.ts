/**
 * Fan-out: which of a tenant's endpoints an event goes to, decided by their event types, and
 * carried through the real webhooks queue to the receiver.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { newId } from "../../src/ids.ts";
import { endpointsWithAttempts, recordAttempt } from "../../src/webhooks/attempts.ts";
import { enqueueWebhookDeliveries } from "../../src/webhooks/fan-out.ts";
import { api, seedTenant } from "../support/harness.ts";
import { createWebhook, received, receiverUrl, sealedEvent, waitForReceived } from "./support.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

describe("enqueueWebhookDeliveries", () => {
  it("sends an event to each enabled endpoint whose types match, and to no other", async () => {
    const tenant = await seedTenant();
    const stranger = await seedTenant();
    const exact = await createWebhook(tenant, { eventTypes: ["link.revoked"] });
    const family = await createWebhook(tenant, { eventTypes: ["link.*"] });
    const everything = await createWebhook(tenant, { eventTypes: ["*"] });
    const other = await createWebhook(tenant, { eventTypes: ["alert.*", "link.issued"] });
    const disabled = await createWebhook(tenant, { eventTypes: ["*"] });
    await api(tenant, `/webhooks/${disabled.id}`, { method: "PATCH", json: { disabled: true } });
    const foreign = await createWebhook(stranger, { eventTypes: ["*"] });

    const event = sealedEvent(tenant.tenantId, "link.revoked");
    await enqueueWebhookDeliveries(env, event);

    for (const webhook of [exact, family, everything]) {
      const [request] = await waitForReceived(webhook.url, 1);
      expect(request?.headers["webhook-id"]).toBe(event.id);
    }
    await settle();
    for (const webhook of [other, disabled, foreign]) {
      const ids = (await received(webhook.url)).map((request) => request.headers["webhook-id"]);
      expect(ids).not.toContain(event.id);
    }
  });

  it("sends nothing again to an endpoint that already has an attempt of the event", async () => {
    const tenant = await seedTenant();
    const webhook = await createWebhook(tenant, { eventTypes: ["link.revoked"] });
    const event = sealedEvent(tenant.tenantId, "link.revoked");

    await enqueueWebhookDeliveries(env, event);
    await waitForReceived(webhook.url, 1);
    await enqueueWebhookDeliveries(env, event);
    await settle();
    expect(await received(webhook.url)).toHaveLength(1);
  });

  it("finds earlier attempts among more endpoints than one statement may bind", async () => {
    const tenant = await seedTenant();
    const webhook = await createWebhook(tenant, { eventTypes: ["*"] });
    const event = sealedEvent(tenant.tenantId, "link.revoked");
    const db = database(env.DB);
    await recordAttempt(db, {
      tenantId: tenant.tenantId,
      endpointId: webhook.id,
      eventId: event.id,
      attempt: 1,
      status: "delivered",
      responseStatus: 204,
      latencyMs: 5,
      error: null,
      replay: false,
    });
    const others = Array.from({ length: 150 }, () => newId("webhook"));

    const found = await endpointsWithAttempts(db, tenant.tenantId, event.id, [
      ...others,
      webhook.id,
    ]);
    expect([...found]).toEqual([webhook.id]);
  });

  it("sends nothing for an event that names no tenant", async () => {
    const tenant = await seedTenant();
    const webhook = await createWebhook(tenant, { url: receiverUrl("ok"), eventTypes: ["*"] });
    const event = { ...sealedEvent(tenant.tenantId), tenantId: null };
    await enqueueWebhookDeliveries(env, event);
    await settle();
    // The endpoint does hear of its own creation, through the real chain; of this event, nothing.
    const ids = (await received(webhook.url)).map((request) => request.headers["webhook-id"]);
    expect(ids).not.toContain(event.id);
  });
});
