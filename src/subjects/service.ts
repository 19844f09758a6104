/**
 * Subjects: the recipients a tenant knows from its identity provider, with the roles and
 * attributes that decide which links bound to them stay valid. This module owns the `subjects`
 * table. The REST routes call it, and a SCIM 2.0 `Users` endpoint can call it the same way: every
 * function takes plain values, never a request.
 *
 * A change that takes something away from a subject (deactivation, a removed role) first revokes
 * the live links it invalidates, through their LinkGuards, and only then writes the subject and
 * its audit event in one D1 batch. When a LinkGuard fails, nothing is written and the caller gets
 * a 500: the subject is as it was, and the same request, retried, finishes the job.
 */
import { and, asc, eq, gt, type SQL, sql } from "drizzle-orm";
import { buildAuditEvent, type EventOrigin } from "../audit/events.ts";
import { insertAuditEvents } from "../audit/store.ts";
import type { Database } from "../db/client.ts";
import { subjects } from "../db/schema.ts";
import { describeError, type Logger } from "../http/logger.ts";
import { ApiError } from "../http/problems.ts";
import { type LinkSelector, revokeSelected } from "../links/bulk-revocation.ts";

type SubjectRow = typeof subjects.$inferSelect;

/** A subject as the service hands it out; times are epoch milliseconds. */
export interface Subject {
  id: string;
  displayName: string | null;
  email: string | null;
  /** Sorted and distinct: a role is a set member. */
  roles: string[];
  attributes: Record<string, string>;
  active: boolean;
  createdAt: number;
  updatedAt: number;
  deactivatedAt: number | null;
}

/** What a caller sets on a subject: the whole of it, as a replacement. */
export interface SubjectFields {
  displayName?: string | null | undefined;
  email?: string | null | undefined;
  roles: readonly string[];
  attributes: Readonly<Record<string, string>>;
  /** Defaults to true; SCIM may send false, which deactivates like `deactivateSubject`. */
  active?: boolean | undefined;
}

/** Where a change happens: the tenant, the bindings LinkGuards are reached through, the audit
 * origin of the request that makes it, and its logger. */
export interface SubjectScope {
  env: Env;
  db: Database;
  tenantId: string;
  origin: EventOrigin & { actor: string };
  logger: Logger;
}

export interface SubjectChange {
  subject: Subject;
  created: boolean;
  /** Live links bound to the subject that this change revoked. */
  linksRevoked: number;
}

function toSubject(row: SubjectRow): Subject {
  return {
    id: row.id,
    displayName: row.displayName,
    email: row.email,
    roles: [...row.roles],
    attributes: { ...row.attributes },
    active: row.active,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deactivatedAt: row.deactivatedAt,
  };
}

export async function getSubject(
  db: Database,
  tenantId: string,
  id: string,
): Promise<Subject | null> {
  const row = await db
    .select()
    .from(subjects)
    .where(and(eq(subjects.tenantId, tenantId), eq(subjects.id, id)))
    .get();
  return row ? toSubject(row) : null;
}

/** A subject of the tenant, or 404 — the same 404 whether it is foreign or missing. */
export async function requireSubject(db: Database, tenantId: string, id: string) {
  const subject = await getSubject(db, tenantId, id);
  if (!subject) throw new ApiError("not_found", "No such subject.");
  return subject;
}

export interface SubjectFilter {
  role?: string | undefined;
  active?: boolean | undefined;
  /** Only subjects whose id sorts after this one: the previous page's last id. */
  after?: string | undefined;
  limit: number;
}

/** The tenant's subjects in id order, one page at a time; `next` is the id to continue after. */
export async function listSubjects(
  db: Database,
  tenantId: string,
  filter: SubjectFilter,
): Promise<{ subjects: Subject[]; next: string | null }> {
  const conditions: (SQL | undefined)[] = [eq(subjects.tenantId, tenantId)];
  if (filter.role !== undefined) {
    conditions.push(
      sql`EXISTS (SELECT 1 FROM json_each(${subjects.roles})
        WHERE json_each.value = ${filter.role})`,
    );
  }
  if (filter.active !== undefined) conditions.push(eq(subjects.active, filter.active));
  if (filter.after !== undefined) conditions.push(gt(subjects.id, filter.after));

  // One row more than asked tells whether another page exists.
  const rows = await db
    .select()
    .from(subjects)
    .where(and(...conditions))
    .orderBy(asc(subjects.id))
    .limit(filter.limit + 1)
    .all();
  const page = rows.slice(0, filter.limit).map(toSubject);
  const last = page.at(-1);
  return { subjects: page, next: rows.length > filter.limit && last ? last.id : null };
}

/**
 * Creates the subject or replaces it whole. Roles it loses take their bound links with them:
 * every live link bound to this subject whose group is a removed role is revoked (reason
 * `subject_changed`) before the change is written; if the subject ends up inactive, every live
 * link bound to it is. A replacement identical to the stored subject writes nothing.
 */
export async function upsertSubject(
  scope: SubjectScope,
  id: string,
  fields: SubjectFields,
  now = Date.now(),
): Promise<SubjectChange> {
  const before = await getSubject(scope.db, scope.tenantId, id);
  const active = fields.active ?? true;
  const after: Subject = {
    id,
    displayName: fields.displayName ?? null,
    email: fields.email?.toLowerCase() ?? null,
    roles: [...new Set(fields.roles)].sort(),
    attributes: { ...fields.attributes },
    active,
    createdAt: before?.createdAt ?? now,
    updatedAt: now,
    deactivatedAt: active ? null : before && !before.active ? before.deactivatedAt : now,
  };
  return applyChange(scope, before, after);
}

/**
 * Deactivates the subject, keeping its row so the audit can still name it, and revokes every live
 * link bound to it first. Deactivating an inactive subject writes nothing but still revokes any
 * bound link that is live, so a retry after a failure completes the revocation.
 */
export async function deactivateSubject(
  scope: SubjectScope,
  id: string,
  now = Date.now(),
): Promise<SubjectChange> {
  const before = await requireSubject(scope.db, scope.tenantId, id);
  const after: Subject = before.active
    ? { ...before, active: false, updatedAt: now, deactivatedAt: now }
    : before;
  return applyChange(scope, before, after);
}

/** Which of the subject's bound links a change invalidates; null when it invalidates none. */
function invalidated(before: Subject | null, after: Subject): LinkSelector | null {
  if (!after.active) return { kind: "subject", subjectId: after.id };
  const removed = (before?.roles ?? []).filter((role) => !after.roles.includes(role));
  if (removed.length === 0) return null;
  return { kind: "subject", subjectId: after.id, groups: removed };
}

function changedFields(before: Subject | null, after: Subject): string[] {
  const changed: string[] = [];
  if ((before?.displayName ?? null) !== after.displayName) changed.push("displayName");
  if ((before?.email ?? null) !== after.email) changed.push("email");
  if ((before?.active ?? null) !== after.active) changed.push("active");
  if (JSON.stringify(before?.roles ?? null) !== JSON.stringify(after.roles)) changed.push("roles");
  const names = new Set([
    ...Object.keys(before?.attributes ?? {}),
    ...Object.keys(after.attributes),
  ]);
  for (const name of [...names].sort()) {
    if (before?.attributes[name] !== after.attributes[name]) changed.push(`attributes.${name}`);
  }
  return changed;
}

async function applyChange(
  scope: SubjectScope,
  before: Subject | null,
  after: Subject,
): Promise<SubjectChange> {
  const { env, db, tenantId, origin, logger } = scope;
  const changed = changedFields(before, after);

  // A. Revoke what the change invalidates, before anything is written.
  const selector = invalidated(before, after);
  const counts = selector
    ? await revokeSelected(env, db, tenantId, selector, "subject_changed", origin, {
        onFailure: (linkId, error) =>
          logger.error("link revocation failed", { linkId, ...describeError(error) }),
      })
    : { linksRevoked: 0, alreadyInactive: 0, linksFailed: 0 };
  if (counts.linksFailed > 0) {
    throw new ApiError(
      "internal_error",
      "Some links bound to this subject could not be revoked, so the subject was not changed. " +
        "Retry the request: links already revoked are skipped.",
      { extensions: { linksRevoked: counts.linksRevoked, linksFailed: counts.linksFailed } },
    );
  }
  if (before && changed.length === 0) {
    return { subject: before, created: false, linksRevoked: counts.linksRevoked };
  }

  // B. Write the subject and its audit event together.
  const row: SubjectRow = { tenantId, ...after };
  const upsert = db
    .insert(subjects)
    .values(row)
    .onConflictDoUpdate({
      target: [subjects.tenantId, subjects.id],
      set: {
        displayName: row.displayName,
        email: row.email,
        roles: row.roles,
        attributes: row.attributes,
        active: row.active,
        updatedAt: row.updatedAt,
        deactivatedAt: row.deactivatedAt,
      },
    });
  // Names of what changed, never the values of names, e-mails or attributes.
  const event = buildAuditEvent(
    {
      tenantId,
      action: before?.active && !after.active ? "subject.deactivated" : "subject.updated",
      outcome: "succeeded",
      reason: selector ? "subject_changed" : null,
      detail: {
        subjectId: after.id,
        created: before === null,
        active: { before: before?.active ?? null, after: after.active },
        roles: { before: before?.roles ?? [], after: after.roles },
        changed,
        linksRevoked: counts.linksRevoked,
      },
    },
    origin,
    after.updatedAt,
  );
  await db.batch([upsert, insertAuditEvents(db, [event])]);
  return { subject: after, created: before === null, linksRevoked: counts.linksRevoked };
}
