/**
 * Streaming a stretch of a tenant's audit chain as NDJSON or CSV, page by page from D1, so an
 * export of millions of events never sits in memory.
 *
 * An export is a range of chain positions: from the first event sealed at or after `since` to
 * the last sealed before `until`, capped at the head when the export started (so it ends even
 * while events keep arriving). Without further filters the range is contiguous and
 * `portcullis audit verify` can check it link by link. NDJSON lines are the events exactly as
 * stored (times in epoch milliseconds), because the chain hashes cover those values. CSV is for
 * people: ISO times, and cells that a spreadsheet would run as formulas are escaped.
 */
import { stringify } from "csv-stringify/browser/esm/sync";
import { and, asc, eq, gte, lt, lte, max, min, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { auditEvents } from "../db/schema.ts";
import type { AuditAction, AuditOutcome } from "./events.ts";

/** Rows per D1 query: small enough for the Worker's memory, large enough to keep queries few. */
const PAGE_SIZE = 500;

export type ExportFormat = "ndjson" | "csv";

export interface ExportFilter {
  since?: number | undefined;
  until?: number | undefined;
  linkId?: string | undefined;
  versionId?: string | undefined;
  action?: AuditAction | undefined;
  outcome?: AuditOutcome | undefined;
}

export interface SeqRange {
  first: number;
  last: number;
}

const CSV_COLUMNS = [
  "seq",
  "id",
  "occurredAt",
  "sealedAt",
  "action",
  "outcome",
  "reason",
  "actor",
  "actorKeyId",
  "linkId",
  "versionId",
  "clientIp",
  "country",
  "userAgent",
  "bytesServed",
  "requestId",
  "detail",
  "prevHash",
  "hash",
] as const;

export function isFiltered(filter: ExportFilter): boolean {
  return [filter.linkId, filter.versionId, filter.action, filter.outcome].some(
    (value) => value !== undefined,
  );
}

/** The chain positions the time range covers, up to `headSeq`; null when it covers none. */
export async function resolveSeqRange(
  db: Database,
  tenantId: string,
  filter: ExportFilter,
  headSeq: number,
): Promise<SeqRange | null> {
  const sealedIn: SQL[] = [eq(auditEvents.tenantId, tenantId), lte(auditEvents.seq, headSeq)];
  if (filter.since !== undefined) sealedIn.push(gte(auditEvents.sealedAt, filter.since));
  if (filter.until !== undefined) sealedIn.push(lt(auditEvents.sealedAt, filter.until));

  const bounds = await db
    .select({ first: min(auditEvents.seq), last: max(auditEvents.seq) })
    .from(auditEvents)
    .where(and(...sealedIn))
    .get();
  if (bounds?.first == null || bounds.last == null) return null;
  return { first: bounds.first, last: bounds.last };
}

export function exportStream(
  db: Database,
  tenantId: string,
  filter: ExportFilter,
  range: SeqRange | null,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = (range?.first ?? 1) - 1;
  let headerWritten = false;

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (format === "csv" && !headerWritten) {
          headerWritten = true;
          controller.enqueue(encoder.encode(stringify([[...CSV_COLUMNS]])));
          if (range === null) controller.close();
          return;
        }
        if (range === null || after >= range.last) {
          controller.close();
          return;
        }

        const rows = await db
          .select()
          .from(auditEvents)
          .where(and(...pageConditions(tenantId, filter, after, range.last)))
          .orderBy(asc(auditEvents.seq))
          .limit(PAGE_SIZE)
          .all();
        const last = rows.at(-1);
        if (!last?.seq) {
          controller.close();
          return;
        }
        after = last.seq;
        const text = format === "csv" ? csvLines(rows) : ndjsonLines(rows);
        controller.enqueue(encoder.encode(text));
      },
    },
    // One page is buffered at most: the next query waits until the client took this one.
    { highWaterMark: 1 },
  );
}

function pageConditions(
  tenantId: string,
  filter: ExportFilter,
  after: number,
  last: number,
): SQL[] {
  const conditions: SQL[] = [eq(auditEvents.tenantId, tenantId)];
  // Keyset paging on the unique (tenant, seq) index: each page starts where the last ended.
  conditions.push(and(gte(auditEvents.seq, after + 1), lte(auditEvents.seq, last)) as SQL);
  if (filter.linkId) conditions.push(eq(auditEvents.linkId, filter.linkId));
  if (filter.versionId) conditions.push(eq(auditEvents.versionId, filter.versionId));
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.outcome) conditions.push(eq(auditEvents.outcome, filter.outcome));
  return conditions;
}

type AuditRow = typeof auditEvents.$inferSelect;

function ndjsonLines(rows: readonly AuditRow[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join("");
}

function csvLines(rows: readonly AuditRow[]): string {
  const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());
  const records = rows.map((row) =>
    CSV_COLUMNS.map((column) => {
      if (column === "occurredAt" || column === "sealedAt") return iso(row[column]);
      if (column === "detail") return row.detail === null ? "" : JSON.stringify(row.detail);
      const value = row[column];
      return value === null ? "" : String(value);
    }),
  );
  return stringify(records, { escape_formulas: true });
}
