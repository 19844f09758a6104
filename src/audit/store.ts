/**
 * Writing audit events into D1. Inserts are idempotent by event id, so the LinkGuard outbox can
 * deliver the same event again after a failure without duplicating a row.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client.ts";
import { auditEvents } from "../db/schema.ts";
import type { AuditEvent } from "./events.ts";

export function insertAuditEvents(
  db: Database,
  events: readonly AuditEvent[],
): BatchItem<"sqlite"> {
  return db
    .insert(auditEvents)
    .values([...events])
    .onConflictDoNothing({ target: auditEvents.id });
}

export async function writeAuditEvents(db: Database, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  // D1 limits bound parameters per statement (100); 16 columns leave room for 6 rows at a time
  // (the chain's columns are set later, by sealing, and bind nothing here).
  const chunks: AuditEvent[][] = [];
  for (let start = 0; start < events.length; start += 6)
    chunks.push(events.slice(start, start + 6));
  const [first, ...rest] = chunks.map((chunk) => insertAuditEvents(db, chunk));
  if (first) await db.batch([first, ...rest]);
}
