/**
 * Delivery of LinkGuard's audit outbox: into the D1 audit table (idempotent by event id) and onto
 * the events queue. Each destination is tracked separately, so a retry repeats only what failed.
 * Failures back off exponentially, from one second up to five minutes.
 */
import type { AuditEvent } from "../audit/events.ts";
import { writeAuditEvents } from "../audit/store.ts";
import { database } from "../db/client.ts";
import { createLogger, describeError } from "../http/logger.ts";
import type { GuardStore } from "./guard-store.ts";

const BATCH_SIZE = 50;
const MAX_BACKOFF_MS = 5 * 60 * 1000;

export interface EventSink {
  record(events: readonly AuditEvent[]): Promise<void>;
  publish(events: readonly AuditEvent[]): Promise<void>;
}

export function liveEventSink(env: Env): EventSink {
  return {
    record: (events) => writeAuditEvents(database(env.DB), events),
    publish: async (events) => {
      await env.EVENTS.sendBatch(events.map((event) => ({ body: event, contentType: "json" })));
    },
  };
}

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
}

export async function deliverOutbox(
  store: GuardStore,
  sink: EventSink,
  now: number,
): Promise<void> {
  const due = store.dueOutbox(now, BATCH_SIZE);
  if (due.length === 0) return;
  const logger = createLogger({ component: "link-guard-outbox" });

  const toRecord = due.filter((row) => !row.recorded);
  const toPublish = due.filter((row) => !row.published);
  let failed = false;

  try {
    await sink.record(toRecord.map((row) => row.event));
    store.markRecorded(toRecord.map((row) => row.id));
  } catch (error) {
    failed = true;
    logger.warn("audit delivery to d1 failed", {
      events: toRecord.length,
      ...describeError(error),
    });
  }

  try {
    if (toPublish.length > 0) await sink.publish(toPublish.map((row) => row.event));
    store.markPublished(toPublish.map((row) => row.id));
  } catch (error) {
    failed = true;
    logger.warn("event publish to queue failed", {
      events: toPublish.length,
      ...describeError(error),
    });
  }

  store.removeDelivered();
  if (!failed) return;

  for (const row of due) {
    const attempts = row.attempts + 1;
    store.postpone([row.id], attempts, now + backoffMs(attempts));
  }
}
