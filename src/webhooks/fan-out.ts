/**
 * Fanning a sealed event out to the tenant's webhook endpoints: one delivery message per enabled
 * endpoint whose event types match the event's action. Receivers deduplicate by webhook-id (the
 * event id); here the cheap duplicates are avoided: when the events queue hands the same event
 * over again, endpoints that already have an attempt of it get no second message.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { SealedAuditEvent } from "../audit/events.ts";
import { database } from "../db/client.ts";
import { webhookEndpoints } from "../db/schema.ts";
import { endpointsWithAttempts } from "./attempts.ts";
import { matchesEventType } from "./event-types.ts";
import { deliveryMessage } from "./messages.ts";

/** The queue takes at most 100 messages per sendBatch. */
const SEND_BATCH = 100;

export async function enqueueWebhookDeliveries(env: Env, event: SealedAuditEvent): Promise<void> {
  const tenantId = event.tenantId;
  if (tenantId === null) return;

  const db = database(env.DB);
  const endpoints = await db
    .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), isNull(webhookEndpoints.disabledAt)))
    .all();
  const matching = endpoints
    .filter((endpoint) => matchesEventType(endpoint.eventTypes, event.action))
    .map((endpoint) => endpoint.id);
  const attempted = await endpointsWithAttempts(db, tenantId, event.id, matching);

  const messages = matching
    .filter((endpointId) => !attempted.has(endpointId))
    .map((endpointId) => deliveryMessage(endpointId, { ...event, tenantId }, false));
  for (let start = 0; start < messages.length; start += SEND_BATCH) {
    await env.WEBHOOKS.sendBatch(messages.slice(start, start + SEND_BATCH));
  }
}
