/**
 * Helpers for the webhook tests: the real receiver started by receiver-setup.ts, registering
 * endpoints through the API, sealed events to deliver, and driving the delivery consumer with a
 * message batch whose acks and retries `getQueueResult` reports.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect, inject } from "vitest";
import {
  type AuditAction,
  buildAuditEvent,
  type SealedAuditEvent,
  SYSTEM_ORIGIN,
} from "../../src/audit/events.ts";
import { database } from "../../src/db/client.ts";
import { webhookDeliveries } from "../../src/db/schema.ts";
import { consumeQueue } from "../../src/events/consumer.ts";
import { newId } from "../../src/ids.ts";
import { api, type TestTenant } from "../support/harness.ts";

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** A fresh path on the receiver: `ok`, `fail`, `redirect` or `slow` decides its answer. */
export function receiverUrl(kind: "ok" | "fail" | "redirect" | "slow"): string {
  return `${inject("webhookReceiver")}/${kind}/${crypto.randomUUID()}`;
}

export async function received(url: string): Promise<Received[]> {
  const path = new URL(url).pathname;
  const response = await fetch(`${inject("webhookReceiver")}/_received?path=${path}`);
  return response.json();
}

/** Polls the receiver until `count` requests reached `url`, or fails after `ms`. */
export async function waitForReceived(url: string, count: number, ms = 8000) {
  const until = Date.now() + ms;
  for (;;) {
    const got = await received(url);
    if (got.length >= count) return got;
    if (Date.now() > until) throw new Error(`${url} received ${got.length} of ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface CreatedWebhook {
  id: string;
  url: string;
  secret: string;
  eventTypes: string[];
}

export async function createWebhook(
  tenant: TestTenant,
  fields: { url?: string; eventTypes?: string[]; description?: string } = {},
): Promise<CreatedWebhook> {
  const response = await api(tenant, "/webhooks", {
    method: "POST",
    // A rare action by default, so events of the test itself are not delivered in the background.
    json: { url: receiverUrl("ok"), eventTypes: ["link.revoked"], ...fields },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}

/** A sealed event of the tenant, as the events queue carries it; not stored anywhere. */
export function sealedEvent(
  tenantId: string,
  action: AuditAction = "link.revoked",
  seq = 1,
): SealedAuditEvent {
  const event = buildAuditEvent(
    { tenantId, linkId: newId("link"), action, outcome: "succeeded" },
    SYSTEM_ORIGIN,
  );
  return { ...event, seq, prevHash: "0".repeat(64), hash: "a".repeat(64), sealedAt: Date.now() };
}

/**
 * The batch's messages, with what each `retry()` was asked for recorded: getQueueResult reports
 * which messages were retried but not their delay (@cloudflare/vitest-plugin 1.5 drops it).
 */
function recordingRetries(batch: MessageBatch<unknown>) {
  const delays: (number | undefined)[] = [];
  const messages = batch.messages.map(
    (message) =>
      new Proxy(message, {
        get(target, property) {
          if (property === "retry") {
            return (options?: QueueRetryOptions) => {
              delays.push(options?.delaySeconds);
              target.retry(options);
            };
          }
          const value = Reflect.get(target, property, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
  );
  return { batch: { ...batch, queue: batch.queue, messages }, delays };
}

/** Runs the webhooks consumer on one message, at the given attempt, and reports the outcome. */
export async function deliverOnce(body: unknown, attempts = 1, environment: Env = env) {
  const batch = createMessageBatch<unknown>("portcullis-webhooks", [
    { id: newId("event"), timestamp: new Date(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  const recording = recordingRetries(batch);
  await consumeQueue(recording.batch as MessageBatch<unknown>, environment);
  const result = await getQueueResult(batch, ctx);
  const [message] = batch.messages;
  return { result, messageId: message?.id ?? "", retryDelays: recording.delays };
}

export function attemptRows(endpointId: string) {
  return database(env.DB)
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.endpointId, endpointId))
    .all();
}
