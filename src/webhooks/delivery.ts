/**
 * The webhook queue consumers. Each message is one event for one endpoint:
 *
 * - delivered (2xx): recorded and acknowledged;
 * - failed, attempts left (WEBHOOK_MAX_ATTEMPTS): recorded `failed` and retried by the queue after
 *   WEBHOOK_RETRY_BASE_SECONDS, doubling with each attempt up to an hour;
 * - failed at the last attempt: recorded `dead_lettered`, sent to the dead-letter queue, acked;
 * - for an endpoint deleted or disabled meanwhile: recorded `dropped` and acked, since nobody
 *   wants it now;
 * - for an endpoint cooling down after an unanswered attempt: put back on the queue, as a new
 *   message, until the cool-down ends, without an attempt. One receiver that hangs until the
 *   timeout must not hold up, batch after batch, every other endpoint's deliveries.
 *
 * The consumer decides retries itself, rather than letting the queue count them, so that every
 * attempt has its row. A failure of the gateway's own (D1 or the encryption key unavailable) is
 * not an attempt: it is logged and retried without a record. The queue's own retry limit stays as
 * a backstop; what reaches the dead-letter queue that way is recorded by `recordDeadLetters`.
 */
import { type Database, database } from "../db/client.ts";
import { createLogger, describeError, type Logger } from "../http/logger.ts";
import { alreadyDelivered, endpointQuietUntil, recordAttempt } from "./attempts.ts";
import { retryDelaySeconds, type WebhookConfig, webhookConfig } from "./config.ts";
import {
  type DeliveryMessage,
  deadLetterMessageSchema,
  deliveryMessageSchema,
} from "./messages.ts";
import { postWebhook } from "./post.ts";
import { signWebhook } from "./signing.ts";
import { findEndpoint, findEndpointKept, liveSecrets } from "./store.ts";
import { checkWebhookUrl } from "./urls.ts";

export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const logger = createLogger({ component: "webhooks", queue: batch.queue });
  const config = webhookConfig(env);
  // Independent receivers: one slow endpoint must not hold up the others in the batch.
  await Promise.all(batch.messages.map((message) => handle(message, env, config, logger)));
}

async function handle(
  message: Message<unknown>,
  env: Env,
  config: WebhookConfig,
  logger: Logger,
): Promise<void> {
  const parsed = deliveryMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    logger.warn("malformed webhook message dropped", { messageId: message.id });
    message.ack();
    return;
  }
  const delivery = parsed.data;
  const fields = {
    endpointId: delivery.endpointId,
    eventId: delivery.event.id,
    attempt: (delivery.priorAttempts ?? 0) + message.attempts,
    replay: delivery.replay,
  };
  try {
    await attempt(message, delivery, env, config, logger.with(fields));
  } catch (error) {
    logger.error("webhook delivery could not run", { ...fields, ...describeError(error) });
    message.retry({ delaySeconds: retryDelaySeconds(config, message.attempts) });
  }
}

async function attempt(
  message: Message<unknown>,
  delivery: DeliveryMessage,
  env: Env,
  config: WebhookConfig,
  logger: Logger,
): Promise<void> {
  const db = database(env.DB);
  const { tenantId, endpointId, event, replay } = delivery;
  // Counted across the messages the delivery went through (see the cool-down below).
  const attemptNumber = (delivery.priorAttempts ?? 0) + message.attempts;
  const endpoint = await findEndpoint(db, tenantId, endpointId);
  if (!endpoint || endpoint.disabledAt !== null) {
    await recordDrop(db, delivery, attemptNumber, endpoint ? "endpoint disabled" : null);
    logger.info("webhook dropped: endpoint deleted or disabled");
    message.ack();
    return;
  }
  if (!replay && (await alreadyDelivered(db, tenantId, endpointId, event.id))) {
    logger.info("webhook already delivered; duplicate dropped");
    message.ack();
    return;
  }

  if (!replay) {
    const retryDelayMs = (attempt: number) => retryDelaySeconds(config, attempt) * 1000;
    const quietUntil = await endpointQuietUntil(db, tenantId, endpointId, retryDelayMs);
    const now = Date.now();
    if (quietUntil !== null && quietUntil > now) {
      const delaySeconds = Math.ceil((quietUntil - now) / 1000);
      await env.WEBHOOKS.send(
        { ...delivery, priorAttempts: attemptNumber - 1 },
        { contentType: "json", delaySeconds },
      );
      logger.info("webhook put off: endpoint cooling down", { delaySeconds });
      message.ack();
      return;
    }
  }

  const secrets = await liveSecrets(env, endpoint);
  const record = { tenantId, endpointId, eventId: event.id, attempt: attemptNumber, replay };
  let outcome: Awaited<ReturnType<typeof postWebhook>>;
  try {
    // Checked again at send time: the environment may be stricter than when it was registered.
    const url = checkWebhookUrl(endpoint.url, config.environment);
    outcome = await postWebhook(url, signWebhook(event, secrets), secrets, config.timeoutMs);
  } catch (error) {
    const text = error instanceof Error ? error.message : "URL refused";
    outcome = { delivered: false, responseStatus: null, latencyMs: 0, error: text };
  }
  const written = { ...record, ...outcome };

  if (outcome.delivered) {
    await recordAttempt(db, { ...written, status: "delivered" });
    logger.info("webhook delivered", { status: outcome.responseStatus });
    message.ack();
    return;
  }
  if (attemptNumber < config.maxAttempts) {
    await recordAttempt(db, { ...written, status: "failed" });
    const delaySeconds = retryDelaySeconds(config, attemptNumber);
    logger.warn("webhook failed; retrying", { status: outcome.responseStatus, delaySeconds });
    message.retry({ delaySeconds });
    return;
  }
  await recordAttempt(db, { ...written, status: "dead_lettered" });
  await env.WEBHOOKS_DEAD_LETTER.send({ ...delivery, recorded: true }, { contentType: "json" });
  logger.error("webhook dead-lettered", { status: outcome.responseStatus });
  message.ack();
}

/**
 * Records that a delivery will not run, so its listing does not show a retry as pending forever.
 * A deleted endpoint keeps its row for this history; an id that never was an endpoint's gets none.
 */
async function recordDrop(
  db: Database,
  delivery: DeliveryMessage,
  attempt: number,
  disabled: "endpoint disabled" | null,
): Promise<void> {
  const { tenantId, endpointId, event, replay } = delivery;
  const reason =
    disabled ?? ((await findEndpointKept(db, tenantId, endpointId)) && "endpoint deleted");
  if (!reason) return;
  await recordAttempt(db, {
    tenantId,
    endpointId,
    eventId: event.id,
    attempt,
    status: "dropped",
    responseStatus: null,
    latencyMs: null,
    error: reason,
    replay,
  });
}

/**
 * The dead-letter consumer: logs each message for an operator and acknowledges it. A message the
 * delivery consumer dead-lettered was recorded already; one the queue moved here after its own
 * retry limit was not, and gets its `dead_lettered` row now.
 */
export async function recordDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const logger = createLogger({ component: "webhooks", queue: batch.queue });
  const db = database(env.DB);
  for (const message of batch.messages) {
    const parsed = deadLetterMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      logger.error("malformed webhook dead letter dropped", { messageId: message.id });
      message.ack();
      continue;
    }
    const { tenantId, endpointId, event, replay, recorded } = parsed.data;
    const fields = { endpointId, eventId: event.id, replay, recorded: recorded === true };
    try {
      if (!recorded && (await findEndpoint(db, tenantId, endpointId))) {
        await recordAttempt(db, {
          tenantId,
          endpointId,
          eventId: event.id,
          attempt: message.attempts,
          status: "dead_lettered",
          responseStatus: null,
          latencyMs: null,
          error: "the queue's retry limit was reached",
          replay,
        });
      }
      logger.error("webhook dead letter", fields);
      message.ack();
    } catch (error) {
      logger.error("webhook dead letter could not be recorded", {
        ...fields,
        ...describeError(error),
      });
      message.retry();
    }
  }
}
