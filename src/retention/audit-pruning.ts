/**
 * Audit retention: events outlive the files they describe (six years by default, the tenant's
 * `auditRetentionDays`), and are then removed from the start of the tenant's chain.
 *
 * Only a prefix of the chain is ever removed, so what remains still verifies: the position and
 * hash of the last removed event become the tenant's anchor (audit_chain_anchors), which the
 * first remaining event links to. Each run moves the anchor forward first, then deletes what it
 * covers in bounded chunks, then records an `audit.pruned` event; a run cut short leaves an
 * anchor ahead of the deletions, which the next run finishes.
 */
import { and, desc, eq, lt } from "drizzle-orm";
import { buildAuditEvent, SYSTEM_ORIGIN } from "../audit/events.ts";
import { submitAuditEvents } from "../audit/ledger-client.ts";
import { database } from "../db/client.ts";
import { auditChainAnchors, auditEvents, tenants } from "../db/schema.ts";
import { DEFAULT_AUDIT_RETENTION_DAYS } from "../policy/settings.ts";
import { loadTenantSettings } from "../policy/settings-store.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Events deleted per statement, and statements per run, so one run stays within its limits. */
const DELETE_CHUNK = 1000;
const MAX_CHUNKS_PER_RUN = 50;

export interface PruneResult {
  throughSeq: number;
  deleted: number;
}

/** Prunes one tenant's chain up to its retention cutoff; null when nothing is old enough. */
export async function pruneTenantAudit(
  env: Env,
  tenantId: string,
  now = Date.now(),
): Promise<PruneResult | null> {
  const db = database(env.DB);
  const { auditRetentionDays } = await loadTenantSettings(db, tenantId);
  const cutoff = now - auditRetentionDays * DAY_MS;

  // Sealing times rise with positions, so everything sealed before the cutoff is a prefix.
  const last = await db
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(and(eq(auditEvents.tenantId, tenantId), lt(auditEvents.sealedAt, cutoff)))
    // The (tenant, sealed_at) index finds it without reading the older events.
    .orderBy(desc(auditEvents.sealedAt), desc(auditEvents.seq))
    .limit(1)
    .get();
  const anchor = await db
    .select()
    .from(auditChainAnchors)
    .where(eq(auditChainAnchors.tenantId, tenantId))
    .get();

  const through =
    last?.seq != null && last.hash !== null ? { seq: last.seq, hash: last.hash } : null;
  if (through && (!anchor || through.seq > anchor.seq)) {
    await db
      .insert(auditChainAnchors)
      .values({ tenantId, seq: through.seq, hash: through.hash, prunedAt: now })
      .onConflictDoUpdate({
        target: auditChainAnchors.tenantId,
        set: { seq: through.seq, hash: through.hash, prunedAt: now },
        setWhere: lt(auditChainAnchors.seq, through.seq),
      });
  }

  const target = Math.max(through?.seq ?? 0, anchor?.seq ?? 0);
  if (target === 0) return null;
  const deleted = await deleteThrough(env, tenantId, target);
  if (deleted === 0) return null;

  const event = buildAuditEvent(
    {
      tenantId,
      action: "audit.pruned",
      outcome: "succeeded",
      reason: "audit_retention_ended",
      detail: { throughSeq: target, deleted, auditRetentionDays },
    },
    SYSTEM_ORIGIN,
    now,
  );
  await submitAuditEvents(env, tenantId, [event]);
  return { throughSeq: target, deleted };
}

async function deleteThrough(env: Env, tenantId: string, throughSeq: number): Promise<number> {
  let deleted = 0;
  for (let chunk = 0; chunk < MAX_CHUNKS_PER_RUN; chunk += 1) {
    // Oldest first, a bounded chunk at a time: the rowid subquery keeps each DELETE small.
    const result = await env.DB.prepare(
      "DELETE FROM audit_events WHERE rowid IN (SELECT rowid FROM audit_events " +
        "WHERE tenant_id = ? AND seq IS NOT NULL AND seq <= ? ORDER BY seq LIMIT ?)",
    )
      .bind(tenantId, throughSeq, DELETE_CHUNK)
      .run();
    deleted += result.meta.changes;
    if (result.meta.changes < DELETE_CHUNK) break;
  }
  return deleted;
}

/** Denials that named no tenant belong to no chain; they go after the default retention. */
export async function pruneUnattributedAudit(env: Env, now = Date.now()): Promise<number> {
  const cutoff = now - DEFAULT_AUDIT_RETENTION_DAYS * DAY_MS;
  const result = await env.DB.prepare(
    "DELETE FROM audit_events WHERE rowid IN (SELECT rowid FROM audit_events " +
      "WHERE tenant_id IS NULL AND occurred_at < ? LIMIT ?)",
  )
    .bind(cutoff, DELETE_CHUNK)
    .run();
  return result.meta.changes;
}

/** Every tenant, in id order; the run prunes each (tenants are few, their events many). */
export async function allTenantIds(env: Env): Promise<string[]> {
  const rows = await database(env.DB).select({ id: tenants.id }).from(tenants).all();
  return rows.map((row) => row.id);
}
