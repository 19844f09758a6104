/**
 * The webhooks queue consumer against a real receiver: what it sends and how it is signed, when
 * it retries and how long it waits, when it gives up, and the attempt row each decision leaves.
 */

import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids.ts";
import { recordDeadLetters } from "../../src/webhooks/delivery.ts";
import { api, seedTenant, type TestTenant } from "../support/harness.ts";
import {
  attemptRows,
  createWebhook,
  deliverOnce,
  received,
  receiverUrl,
  sealedEvent,
} from "./support.ts";

async function endpointFor(tenant: TestTenant, kind: Parameters<typeof receiverUrl>[0]) {
  return createWebhook(tenant, { url: receiverUrl(kind) });
}

function messageFor(tenant: TestTenant, endpointId: string, replay = false) {
  return { endpointId, tenantId: tenant.tenantId, event: sealedEvent(tenant.tenantId), replay };
}

describe("a delivery to a receiver that answers 2xx", () => {
  it("POSTs the Standard Webhooks payload, signed so the endpoint secret verifies it", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "ok");
    const message = messageFor(tenant, webhook.id);

    const { result, messageId } = await deliverOnce(message);
    expect(result.explicitAcks).toEqual([messageId]);
    expect(result.retryMessages).toEqual([]);

    const [request] = await received(webhook.url);
    expect(request?.headers["webhook-id"]).toBe(message.event.id);
    const verified = new Webhook(webhook.secret).verify(
      request?.body ?? "",
      request?.headers ?? {},
    );
    expect(verified).toEqual({
      type: "link.revoked",
      timestamp: new Date(message.event.occurredAt).toISOString(),
      data: message.event,
    });
  });

  it("records the attempt as delivered with the status and a latency", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "ok");
    const message = messageFor(tenant, webhook.id);
    await deliverOnce(message);

    const [row] = await attemptRows(webhook.id);
    expect(row).toMatchObject({
      eventId: message.event.id,
      attempt: 1,
      status: "delivered",
      responseStatus: 200,
      error: null,
      replay: false,
    });
    expect(row?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("skips an event the endpoint already received, but sends a replay of it again", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "ok");
    const message = messageFor(tenant, webhook.id);

    await deliverOnce(message);
    const duplicate = await deliverOnce(message);
    expect(duplicate.result.explicitAcks).toEqual([duplicate.messageId]);
    expect(await received(webhook.url)).toHaveLength(1);

    await deliverOnce({ ...message, replay: true });
    const requests = await received(webhook.url);
    expect(requests.map((request) => request.headers["webhook-id"])).toEqual([
      message.event.id,
      message.event.id,
    ]);
    expect((await attemptRows(webhook.id)).map((row) => row.replay).sort()).toEqual([false, true]);
  });
});

describe("a delivery that fails", () => {
  it("is retried with a delay that doubles from WEBHOOK_RETRY_BASE_SECONDS", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "fail");
    const message = messageFor(tenant, webhook.id);

    const delays: (number | undefined)[] = [];
    for (const attempt of [1, 2, 3, 4]) {
      const { result, messageId, retryDelays } = await deliverOnce(message, attempt);
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages.map((retry) => retry.msgId)).toEqual([messageId]);
      delays.push(...retryDelays);
    }
    const base = Number(env.WEBHOOK_RETRY_BASE_SECONDS);
    expect(delays).toEqual([base, base * 2, base * 4, base * 8]);
  });

  it("waits at most an hour between attempts, however large the doubling grows", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "fail");
    const slowBase = { ...env, WEBHOOK_RETRY_BASE_SECONDS: "1000", WEBHOOK_MAX_ATTEMPTS: "20" };

    const { retryDelays } = await deliverOnce(messageFor(tenant, webhook.id), 12, slowBase as Env);
    expect(retryDelays).toEqual([3600]);
  });

  it("records each failed attempt with the receiver's status and answer", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "fail");
    const message = messageFor(tenant, webhook.id);
    await deliverOnce(message, 1);
    await deliverOnce(message, 2);

    const rows = (await attemptRows(webhook.id)).sort((a, b) => a.attempt - b.attempt);
    expect(rows.map((row) => [row.attempt, row.status, row.responseStatus])).toEqual([
      [1, "failed", 500],
      [2, "failed", 500],
    ]);
    expect(rows[0]?.error).toBe("HTTP 500: receiver is down");
  });

  it("is dead-lettered at WEBHOOK_MAX_ATTEMPTS: recorded, acknowledged, not retried", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "fail");
    const max = Number(env.WEBHOOK_MAX_ATTEMPTS);

    const { result, messageId } = await deliverOnce(messageFor(tenant, webhook.id), max);
    expect(result.explicitAcks).toEqual([messageId]);
    expect(result.retryMessages).toEqual([]);
    const [row] = await attemptRows(webhook.id);
    expect(row).toMatchObject({ attempt: max, status: "dead_lettered", responseStatus: 500 });
  });

  it("counts a redirect as a failure and does not follow it", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "redirect");
    const { result } = await deliverOnce(messageFor(tenant, webhook.id));

    expect(result.retryMessages).toHaveLength(1);
    const [row] = await attemptRows(webhook.id);
    expect(row).toMatchObject({ status: "failed", responseStatus: 302 });
    expect(row?.error).toBe("redirect 302 not followed");
  });

  it("gives up on a receiver that does not answer within WEBHOOK_TIMEOUT_MS", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "slow");
    const impatient = { ...env, WEBHOOK_TIMEOUT_MS: "300" } as Env;

    const { result } = await deliverOnce(messageFor(tenant, webhook.id), 1, impatient);
    expect(result.retryMessages).toHaveLength(1);
    const [row] = await attemptRows(webhook.id);
    expect(row).toMatchObject({ status: "failed", responseStatus: null });
    expect(row?.error).toBe("no answer within 300 ms");
  });

  it("counts attempts made under earlier messages of the same delivery", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "fail");
    const max = Number(env.WEBHOOK_MAX_ATTEMPTS);

    const carried = { ...messageFor(tenant, webhook.id), priorAttempts: max - 1 };
    const { result, messageId } = await deliverOnce(carried, 1);
    expect(result.explicitAcks).toEqual([messageId]);
    const [row] = await attemptRows(webhook.id);
    expect(row).toMatchObject({ attempt: max, status: "dead_lettered" });
  });
});

describe("an endpoint that left an attempt unanswered", () => {
  it("cools down: new deliveries are put off without an attempt, others go on", async () => {
    const tenant = await seedTenant();
    const hanging = await endpointFor(tenant, "slow");
    const healthy = await endpointFor(tenant, "ok");
    const impatient = { ...env, WEBHOOK_TIMEOUT_MS: "300" } as Env;
    await deliverOnce(messageFor(tenant, hanging.id), 1, impatient);
    expect(await received(hanging.url)).toHaveLength(1);

    const later = await deliverOnce(messageFor(tenant, hanging.id), 1, impatient);
    expect(later.result.explicitAcks).toEqual([later.messageId]);
    expect(later.result.retryMessages).toEqual([]);
    expect(await received(hanging.url)).toHaveLength(1);
    expect(await attemptRows(hanging.id)).toHaveLength(1);

    const other = await deliverOnce(messageFor(tenant, healthy.id), 1, impatient);
    expect(other.result.explicitAcks).toEqual([other.messageId]);
    expect(await received(healthy.url)).toHaveLength(1);
  });

  it("is not cooled down by a receiver that answered, even with an error", async () => {
    const tenant = await seedTenant();
    const failing = await endpointFor(tenant, "fail");
    await deliverOnce(messageFor(tenant, failing.id), 1);
    await deliverOnce(messageFor(tenant, failing.id), 1);
    expect(await received(failing.url)).toHaveLength(2);
  });
});

describe("messages that are not delivered", () => {
  it("drops a delivery for a disabled or deleted endpoint unsent, recorded dropped", async () => {
    const tenant = await seedTenant();
    const disabled = await endpointFor(tenant, "ok");
    const deleted = await endpointFor(tenant, "ok");
    await api(tenant, `/webhooks/${disabled.id}`, { method: "PATCH", json: { disabled: true } });
    await api(tenant, `/webhooks/${deleted.id}`, { method: "DELETE" });

    for (const [webhook, reason] of [
      [disabled, "endpoint disabled"],
      [deleted, "endpoint deleted"],
    ] as const) {
      const { result, messageId } = await deliverOnce(messageFor(tenant, webhook.id), 2);
      expect(result.explicitAcks).toEqual([messageId]);
      expect(result.retryMessages).toEqual([]);
      expect(await received(webhook.url)).toEqual([]);
      expect(await attemptRows(webhook.id)).toEqual([
        expect.objectContaining({ attempt: 2, status: "dropped", error: reason, latencyMs: null }),
      ]);
    }
  });

  it("a dropped delivery does not cool an endpoint down once it is enabled again", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "ok");
    const patch = (disabled: boolean) =>
      api(tenant, `/webhooks/${webhook.id}`, { method: "PATCH", json: { disabled } });
    await patch(true);
    await deliverOnce(messageFor(tenant, webhook.id), 3);
    await patch(false);

    const { result, messageId } = await deliverOnce(messageFor(tenant, webhook.id));
    expect(result.explicitAcks).toEqual([messageId]);
    expect(await received(webhook.url)).toHaveLength(1);
    const statuses = (await attemptRows(webhook.id)).map((row) => row.status).sort();
    expect(statuses).toEqual(["delivered", "dropped"]);
  });

  it("acknowledges a malformed message instead of retrying it", async () => {
    for (const body of [null, "text", { endpointId: newId("webhook") }]) {
      const { result, messageId } = await deliverOnce(body);
      expect(result.explicitAcks).toEqual([messageId]);
      expect(result.retryMessages).toEqual([]);
    }
  });

  it("never delivers to another tenant's endpoint named in a message", async () => {
    const owner = await seedTenant();
    const stranger = await seedTenant();
    const webhook = await endpointFor(owner, "ok");
    const { result, messageId } = await deliverOnce(messageFor(stranger, webhook.id));
    expect(result.explicitAcks).toEqual([messageId]);
    expect(await received(webhook.url)).toEqual([]);
    expect(await attemptRows(webhook.id)).toEqual([]);
  });
});

describe("the dead-letter consumer", () => {
  async function deadLetter(body: unknown) {
    const batch = createMessageBatch<unknown>("portcullis-webhooks-dlq", [
      { id: newId("event"), timestamp: new Date(), attempts: 1, body },
    ]);
    const ctx = createExecutionContext();
    await recordDeadLetters(batch, env);
    return getQueueResult(batch, ctx);
  }

  it("records a message the queue's own retry limit moved there as dead_lettered", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "fail");
    const result = await deadLetter(messageFor(tenant, webhook.id));

    expect(result.explicitAcks).toHaveLength(1);
    const [row] = await attemptRows(webhook.id);
    expect(row).toMatchObject({
      status: "dead_lettered",
      error: "the queue's retry limit was reached",
    });
  });

  it("adds no second row for a message the delivery consumer dead-lettered itself", async () => {
    const tenant = await seedTenant();
    const webhook = await endpointFor(tenant, "fail");
    const result = await deadLetter({ ...messageFor(tenant, webhook.id), recorded: true });

    expect(result.explicitAcks).toHaveLength(1);
    expect(await attemptRows(webhook.id)).toEqual([]);
  });
});
