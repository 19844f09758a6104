/**
 * The record of delivery attempts: one `webhook_deliveries` row per attempt, written by the
 * consumer and read, newest first, by the deliveries listing.
 */
import { and, desc, eq, ne, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { webhookDeliveries } from "../db/schema.ts";
import { newId } from "../ids.ts";

/**
 * `dropped`: the endpoint was disabled or deleted before this attempt could run, so it never
 * will; the row says so, where otherwise a retry would look pending forever.
 */
export type DeliveryStatus = "delivered" | "failed" | "dead_lettered" | "dropped";
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export interface AttemptRecord {
  tenantId: string;
  endpointId: string;
  eventId: string;
  attempt: number;
  status: DeliveryStatus;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
  replay: boolean;
}

export async function recordAttempt(
  db: Database,
  record: AttemptRecord,
  now = Date.now(),
): Promise<void> {
  await db.insert(webhookDeliveries).values({ id: newId("delivery"), ...record, attemptedAt: now });
}

/** Whether the event already reached the endpoint outside a replay: a duplicate is skipped. */
export async function alreadyDelivered(
  db: Database,
  tenantId: string,
  endpointId: string,
  eventId: string,
): Promise<boolean> {
  const row = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, tenantId),
        eq(webhookDeliveries.eventId, eventId),
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.status, "delivered"),
        eq(webhookDeliveries.replay, false),
      ),
    )
    .get();
  return row !== undefined;
}

/** The endpoints, among `endpointIds`, that already have any attempt of the event. */
export async function endpointsWithAttempts(
  db: Database,
  tenantId: string,
  eventId: string,
  endpointIds: readonly string[],
): Promise<Set<string>> {
  if (endpointIds.length === 0) return new Set();
  // Every attempt of the event, by its index, filtered here: a list of endpoint ids bound into
  // the query could pass D1's limit of 100 parameters for a tenant with many endpoints.
  const rows = await db
    .selectDistinct({ endpointId: webhookDeliveries.endpointId })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.eventId, eventId)))
    .all();
  const wanted = new Set(endpointIds);
  return new Set(rows.map((row) => row.endpointId).filter((id) => wanted.has(id)));
}

/** One page of an endpoint's attempts, newest first, after the (time, id) of the last seen. */
export function listAttempts(
  db: Database,
  tenantId: string,
  endpointId: string,
  page: { limit: number; after?: [number, string] },
): Promise<DeliveryRow[]> {
  // A row value, which SQLite reads as a range on the index, so a page starts at its cursor.
  const { after } = page;
  const olderThanCursor = after
    ? sql`(${webhookDeliveries.attemptedAt}, ${webhookDeliveries.id}) < (${after[0]}, ${after[1]})`
    : undefined;
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, tenantId),
        eq(webhookDeliveries.endpointId, endpointId),
        olderThanCursor,
      ),
    )
    .orderBy(desc(webhookDeliveries.attemptedAt), desc(webhookDeliveries.id))
    .limit(page.limit + 1)
    .all();
}

/**
 * Until when an endpoint cools down: after an attempt it left unanswered (a timeout or a network
 * error, each holding a consumer for up to the whole timeout), the endpoint gets no new attempt
 * until that attempt's own retry is due. Null when its latest attempt was answered, or is old.
 */
export async function endpointQuietUntil(
  db: Database,
  tenantId: string,
  endpointId: string,
  retryDelayMs: (attempt: number) => number,
): Promise<number | null> {
  const latest = await db
    .select({
      attempt: webhookDeliveries.attempt,
      status: webhookDeliveries.status,
      responseStatus: webhookDeliveries.responseStatus,
      attemptedAt: webhookDeliveries.attemptedAt,
    })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, tenantId),
        eq(webhookDeliveries.endpointId, endpointId),
        // A dropped delivery asked nothing of the receiver, so it says nothing of its health.
        ne(webhookDeliveries.status, "dropped"),
      ),
    )
    .orderBy(desc(webhookDeliveries.attemptedAt))
    .limit(1)
    .get();
  if (!latest || latest.status === "delivered" || latest.responseStatus !== null) return null;
  return latest.attemptedAt + retryDelayMs(latest.attempt);
}
