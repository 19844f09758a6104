/**
 * The queue consumers. Four queues reach this Worker:
 *
 * - `portcullis-events`: every sealed audit event, published by its tenant's AuditLedger in chain
 *   order. Each event is checked against the alert rules and fanned out to the tenant's webhook
 *   endpoints. Both steps are idempotent by event id, so a retried batch causes no duplicates.
 * - `portcullis-events-dlq`: events that kept failing; logged for an operator.
 * - `portcullis-webhooks` and its dead-letter queue: one message per event and endpoint, handled
 *   by src/webhooks/delivery.ts.
 *
 * A malformed message is acknowledged and logged rather than retried: retrying cannot make it
 * valid.
 */
import { evaluateAlerts } from "../alerts/rules.ts";
import { sealedAuditEventSchema } from "../audit/events.ts";
import { createLogger, describeError } from "../http/logger.ts";
import { deliverWebhooks, recordDeadLetters } from "../webhooks/delivery.ts";
import { enqueueWebhookDeliveries } from "../webhooks/fan-out.ts";

export const EVENTS_QUEUE = "portcullis-events";
export const EVENTS_DEAD_LETTER_QUEUE = "portcullis-events-dlq";
export const WEBHOOKS_QUEUE = "portcullis-webhooks";
export const WEBHOOKS_DEAD_LETTER_QUEUE = "portcullis-webhooks-dlq";

export async function consumeQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  switch (batch.queue) {
    case EVENTS_QUEUE:
      return consumeEvents(batch, env);
    case EVENTS_DEAD_LETTER_QUEUE:
      return logDeadEvents(batch);
    case WEBHOOKS_QUEUE:
      return deliverWebhooks(batch, env);
    case WEBHOOKS_DEAD_LETTER_QUEUE:
      return recordDeadLetters(batch, env);
    default:
      throw new Error(`unknown queue ${batch.queue}`);
  }
}

async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const logger = createLogger({ component: "events-consumer", queue: batch.queue });

  for (const message of batch.messages) {
    const parsed = sealedAuditEventSchema.safeParse(message.body);
    if (!parsed.success) {
      logger.warn("malformed event dropped", { messageId: message.id });
      message.ack();
      continue;
    }
    const event = parsed.data;
    try {
      await evaluateAlerts(env, event);
      await enqueueWebhookDeliveries(env, event);
      message.ack();
    } catch (error) {
      logger.warn("event handling failed", { eventId: event.id, ...describeError(error) });
      message.retry({ delaySeconds: Math.min(300, 2 ** message.attempts) });
    }
  }
}

function logDeadEvents(batch: MessageBatch<unknown>): void {
  const logger = createLogger({ component: "events-consumer", queue: batch.queue });
  for (const message of batch.messages) {
    const parsed = sealedAuditEventSchema.safeParse(message.body);
    logger.error("event dead-lettered", {
      eventId: parsed.success ? parsed.data.id : null,
      attempts: message.attempts,
    });
    message.ack();
  }
}
