/**
 * Sealing a tenant's waiting audit events into its hash chain, and reading the chain's head.
 *
 * Events reach D1 unsealed (`seq` null): inside the D1 batch of the change they record, or from a
 * LinkGuard's or the AuditLedger's outbox. Sealing gives each one the next position, in the order
 * the events occurred among those waiting, and links it to the head. Only the tenant's AuditLedger
 * seals, one run at a time; D1 enforces the rest (triggers in migration 0004): a position is
 * taken once, an event can only be sealed onto the event that really precedes it, and a sealed
 * event cannot be changed. A batch that breaks any of these rolls back whole, so the chain cannot
 * fork even if two sealers ever ran at once.
 */
import { and, desc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { auditChainAnchors, auditEvents } from "../db/schema.ts";
import { type ChainPosition, chainHash, GENESIS_HASH } from "./chain.ts";
import type { AuditEvent, SealedAuditEvent } from "./events.ts";

/** Events sealed per D1 batch: one UPDATE of 5 bound parameters each. */
const SEAL_BATCH = 50;

export interface ChainHead {
  seq: number;
  hash: string;
  sealedAt: number;
}

/** The last sealed event, or where pruning left the chain, or null for an empty chain. */
export async function loadChainHead(db: Database, tenantId: string): Promise<ChainHead | null> {
  const last = await db
    .select({ seq: auditEvents.seq, hash: auditEvents.hash, sealedAt: auditEvents.sealedAt })
    .from(auditEvents)
    .where(and(eq(auditEvents.tenantId, tenantId), isNotNull(auditEvents.seq)))
    .orderBy(desc(auditEvents.seq))
    .limit(1)
    .get();
  if (last?.seq != null && last.hash !== null && last.sealedAt !== null) {
    return { seq: last.seq, hash: last.hash, sealedAt: last.sealedAt };
  }

  const anchor = await db
    .select()
    .from(auditChainAnchors)
    .where(eq(auditChainAnchors.tenantId, tenantId))
    .get();
  return anchor ? { seq: anchor.seq, hash: anchor.hash, sealedAt: anchor.prunedAt } : null;
}

export function toAuditEvent(row: typeof auditEvents.$inferSelect): AuditEvent {
  const { seq: _seq, prevHash: _prevHash, hash: _hash, sealedAt: _sealedAt, ...event } = row;
  return event;
}

/**
 * Seals up to one batch of waiting events onto `head`. Returns the events sealed (empty when none
 * were waiting) and the new head. Throws when D1 refuses the batch; nothing is sealed then.
 */
export async function sealWaitingEvents(
  db: Database,
  tenantId: string,
  head: ChainHead | null,
  now: number,
): Promise<{ sealed: SealedAuditEvent[]; head: ChainHead | null }> {
  const waiting = await loadWaitingEvents(db, tenantId);
  if (waiting.length === 0) return { sealed: [], head };

  // Sealing times never go backwards, so a range of sealing times is a stretch of the chain.
  const sealedAt = Math.max(now, head?.sealedAt ?? 0);
  const sealed: SealedAuditEvent[] = [];
  let previous = head ?? { seq: 0, hash: GENESIS_HASH, sealedAt };
  for (const row of waiting) {
    const event = toAuditEvent(row);
    const position: ChainPosition = { seq: previous.seq + 1, prevHash: previous.hash, sealedAt };
    const hash = await chainHash(event, position);
    sealed.push({ ...event, ...position, hash });
    previous = { seq: position.seq, hash, sealedAt };
  }

  const updates = sealed.map((event) =>
    db
      .update(auditEvents)
      .set({ seq: event.seq, prevHash: event.prevHash, hash: event.hash, sealedAt })
      .where(and(eq(auditEvents.id, event.id), isNull(auditEvents.seq))),
  );
  const [first, ...rest] = updates;
  if (first) await db.batch([first, ...rest]);
  return { sealed, head: previous };
}

/** How many of the tenant's events wait to be sealed. */
export async function countWaitingEvents(db: Database, tenantId: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(auditEvents)
    .where(and(eq(auditEvents.tenantId, tenantId), isNull(auditEvents.seq)))
    .get();
  return row?.n ?? 0;
}

/** Tenants with events waiting to be sealed, for the cron that catches missed ledger calls. */
export async function tenantsWithWaitingEvents(db: Database, limit: number): Promise<string[]> {
  const rows = await db.all<{ tenantId: string | null }>(
    sql`SELECT DISTINCT tenant_id AS tenantId FROM audit_events INDEXED BY audit_unsealed
        WHERE seq IS NULL AND tenant_id IS NOT NULL LIMIT ${limit}`,
  );
  return rows.flatMap((row) => (row.tenantId ? [row.tenantId] : []));
}

/**
 * The tenant's oldest waiting events, in sealing order. The ids come from the partial index of
 * waiting events, named outright: left to itself, SQLite takes `seq IS NULL` as a lookup on the
 * unique (tenant, seq) index and sorts what it finds there. The rows then come by primary key.
 */
async function loadWaitingEvents(db: Database, tenantId: string) {
  const ids = await db.all<{ id: string }>(
    sql`SELECT id FROM audit_events INDEXED BY audit_unsealed
        WHERE tenant_id = ${tenantId} AND seq IS NULL
        ORDER BY occurred_at, id LIMIT ${SEAL_BATCH}`,
  );
  if (ids.length === 0) return [];

  const rows = await db
    .select()
    .from(auditEvents)
    .where(
      inArray(
        auditEvents.id,
        ids.map((row) => row.id),
      ),
    )
    .all();
  const order = new Map(ids.map((row, index) => [row.id, index]));
  return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}
