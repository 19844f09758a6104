/**
 * The events queue consumer. LinkGuard publishes every audit event here after recording it in D1;
 * this is where outbound notifications (webhooks) hang off. Today it validates each message and
 * records delivery in the log; a malformed message is acknowledged and logged rather than retried,
 * because retrying cannot make it valid. The dead-letter queue's messages are logged as errors so
 * an operator sees what could not be handled.
 */
import { auditEventSchema } from "../audit/events.ts";
import { createLogger, describeError } from "../http/logger.ts";

const EVENTS_QUEUE = "portcullis-events";
const DEAD_LETTER_QUEUE = "portcullis-events-dlq";

export async function consumeEvents(batch: MessageBatch<unknown>, _env: Env): Promise<void> {
  const logger = createLogger({ component: "events-consumer", queue: batch.queue });

  if (batch.queue === DEAD_LETTER_QUEUE) {
    for (const message of batch.messages) {
      const parsed = auditEventSchema.safeParse(message.body);
      logger.error("event dead-lettered", {
        eventId: parsed.success ? parsed.data.id : null,
        attempts: message.attempts,
      });
      message.ack();
    }
    return;
  }
  if (batch.queue !== EVENTS_QUEUE) throw new Error(`unknown queue ${batch.queue}`);

  for (const message of batch.messages) {
    const parsed = auditEventSchema.safeParse(message.body);
    if (!parsed.success) {
      logger.warn("malformed event dropped", { messageId: message.id });
      message.ack();
      continue;
    }
    try {
      logger.info("event received", {
        eventId: parsed.data.id,
        action: parsed.data.action,
        tenantId: parsed.data.tenantId,
      });
      message.ack();
    } catch (error) {
      logger.warn("event handling failed", { eventId: parsed.data.id, ...describeError(error) });
      message.retry({ delaySeconds: Math.min(300, 2 ** message.attempts) });
    }
  }
}
