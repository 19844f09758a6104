/**
 * Delivery of LinkGuard's audit outbox: into the D1 audit table (idempotent by event id), then to
 * the tenant's AuditLedger, which seals the events into the tenant's chain and publishes them on
 * the events queue. Each step is tracked separately, so a retry repeats only what failed.
 * Failures back off exponentially, from one second up to five minutes.
 */
import type { AuditEvent } from "../audit/events.ts";
import { requestSeal } from "../audit/ledger-client.ts";
import { writeAuditEvents } from "../audit/store.ts";
import { database } from "../db/client.ts";
import { createLogger, describeError } from "../http/logger.ts";
import type { GuardStore } from "./guard-store.ts";

const BATCH_SIZE = 50;
const MAX_BACKOFF_MS = 5 * 60 * 1000;

export interface EventSink {
  record(events: readonly AuditEvent[]): Promise<void>;
  /** Hands recorded events on to be sealed and published. */
  publish(events: readonly AuditEvent[]): Promise<void>;
}

export function liveEventSink(env: Env): EventSink {
  return {
    record: (events) => writeAuditEvents(database(env.DB), events),
    publish: async (events) => {
      const tenants = new Set(events.flatMap((event) => (event.tenantId ? [event.tenantId] : [])));
      for (const tenantId of tenants) await requestSeal(env, tenantId);
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

  // Only events D1 holds can be sealed; the others wait for the next attempt.
  const toPublish = failed
    ? due.filter((row) => row.recorded && !row.published)
    : due.filter((row) => !row.published);
  try {
    if (toPublish.length > 0) await sink.publish(toPublish.map((row) => row.event));
    store.markPublished(toPublish.map((row) => row.id));
  } catch (error) {
    failed = true;
    logger.warn("audit ledger hand-off failed", {
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
