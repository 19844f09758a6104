/**
 * The audit event of a policy or settings change, written by the same D1 batch as the change.
 * It is one INSERT … SELECT, so its `detail` is built in SQL from the row the change replaces, as
 * that row is when the batch runs, and it inserts nothing when the change changes nothing. It must
 * come before the statement that writes the change.
 */
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { AuditEvent } from "../audit/events.ts";
import type { Database } from "../db/client.ts";
import { auditEvents } from "../db/schema.ts";

export function insertChangeEvent(
  db: Database,
  event: AuditEvent,
  change: { detail: SQL; from: SQL; where: SQL },
): BatchItem<"sqlite"> {
  // Every column of the table, in the table's order, as drizzle lists them in the INSERT; the
  // chain columns stay null until the tenant's ledger seals the event.
  const columns = Object.keys(getTableColumns(auditEvents));
  const values = columns.map((column) =>
    column === "detail" ? change.detail : sql`${event[column as keyof AuditEvent] ?? null}`,
  );
  return db
    .insert(auditEvents)
    .select(sql`SELECT ${sql.join(values, sql`, `)} FROM ${change.from} WHERE ${change.where}`);
}
