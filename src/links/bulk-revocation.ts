/**
 * Revoking many links at once: every link of a version, of an object, bound to a subject, or the
 * whole tenant's. D1's `links` table says which links a selector matches; each match is then
 * revoked through its own LinkGuard, the only place a link's state lives, which audits its own
 * `link.revoked`. The caller gets counts, and the bulk action one summary event
 * (`links.bulk_revoked`) written here.
 *
 * Links are asked first whether they are still live, so a link that was already revoked, or can
 * never deliver again, is counted as already inactive and left as it is. Asking again is
 * therefore harmless: a retry after a failure revokes only what the first attempt missed.
 */
import { and, eq, gt, inArray, lte, or, type SQL, sql } from "drizzle-orm";
import { buildAuditEvent, type EventOrigin } from "../audit/events.ts";
import { insertAuditEvents } from "../audit/store.ts";
import type { Database } from "../db/client.ts";
import { bundleMembers, links, subjects, versions } from "../db/schema.ts";
import { ApiError } from "../http/problems.ts";
import { findObjectByName, requireVersion } from "../objects/records.ts";
import { linkGuard } from "./guard-client.ts";
import type { LinkState, RevocationReason } from "./model.ts";

/** LinkGuard calls in flight at once, so one bulk request cannot flood the Durable Objects. */
const CONCURRENCY = 10;

/**
 * The longest a download session can outlast its link's expiry: a session may open just before
 * the link expires and lasts at most the largest `sessionGraceSeconds` a class policy accepts
 * (one day, `classPolicySchema`). A link expired longer ago than this has no session left and
 * can never open one, so it is settled without asking its LinkGuard.
 */
export const LONGEST_SESSION_MS = 24 * 60 * 60 * 1000;

/** Which of a tenant's links to revoke, as resolved from a request. */
export type LinkSelector =
  | { kind: "version"; versionId: string }
  | { kind: "object"; objectId: string }
  | { kind: "subject"; subjectId: string; groups?: readonly string[] }
  | { kind: "everything" };

/** The body of `POST /v1/revocations`, after validation: one selector and an optional note. */
export type RevocationRequest = (
  | { versionId: string }
  | { objectName: string }
  | { subjectId: string }
  | { everything: true }
) & { note?: string | undefined };

export interface RevocationCounts {
  /** Live links this call revoked. */
  linksRevoked: number;
  /** Matched links that were already revoked, expired, used up or rejected. */
  alreadyInactive: number;
  /** Matched links whose LinkGuard could not be reached; a retry picks them up. */
  linksFailed: number;
}

const BULK_REASONS = {
  version: "bulk_by_version",
  object: "bulk_by_object",
  subject: "bulk_by_subject",
  everything: "emergency",
} as const satisfies Record<LinkSelector["kind"], RevocationReason>;

/** Links that deliver any of the versions `versionIds` selects, directly or inside a bundle. */
function deliveringVersions(versionIds: SQL): SQL | undefined {
  const bundlesWith = sql`(SELECT ${bundleMembers.bundleId} FROM ${bundleMembers}
    WHERE ${bundleMembers.versionId} IN ${versionIds})`;
  return or(inArray(links.versionId, versionIds), inArray(links.bundleId, bundlesWith));
}

function matching(tenantId: string, selector: LinkSelector): SQL | undefined {
  const tenant = eq(links.tenantId, tenantId);
  switch (selector.kind) {
    case "version":
      return and(tenant, deliveringVersions(sql`(${selector.versionId})`));
    case "object":
      return and(
        tenant,
        deliveringVersions(
          sql`(SELECT ${versions.id} FROM ${versions}
            WHERE ${versions.tenantId} = ${tenantId}
            AND ${versions.objectId} = ${selector.objectId})`,
        ),
      );
    case "subject":
      return and(
        tenant,
        eq(links.recipientSubjectId, selector.subjectId),
        selector.groups ? inArray(links.recipientGroup, [...selector.groups]) : undefined,
      );
    case "everything":
      return tenant;
  }
}

/**
 * The tenant's links a selector matches: those that may still be live (to ask their LinkGuard)
 * and how many expired so long ago that nothing can happen to them any more.
 */
export async function selectLinks(
  db: Database,
  tenantId: string,
  selector: LinkSelector,
  now = Date.now(),
): Promise<{ candidates: string[]; settled: number }> {
  if (selector.kind === "subject" && selector.groups?.length === 0) {
    return { candidates: [], settled: 0 };
  }
  const where = matching(tenantId, selector);
  const cutoff = now - LONGEST_SESSION_MS;
  const [rows, settled] = await Promise.all([
    db
      .select({ id: links.id })
      .from(links)
      .where(and(where, gt(links.expiresAt, cutoff)))
      .all(),
    db.$count(links, and(where, lte(links.expiresAt, cutoff))),
  ]);
  return { candidates: rows.map((row) => row.id), settled };
}

/**
 * Whether a link could still deliver anything: it may be confirmed (now or after approval), or a
 * download session is still open. Expired, used-up and rejected links without a session are
 * final states, so leaving them unrevoked changes nothing.
 */
function isLive(state: LinkState): boolean {
  if (state.status === "revoked") return false;
  return state.status === "active" || state.status === "pending_approval" || state.openSessions > 0;
}

async function revokeOne(
  env: Env,
  linkId: string,
  reason: RevocationReason,
  origin: EventOrigin,
  note: string | undefined,
): Promise<"revoked" | "inactive"> {
  const guard = linkGuard(env, linkId);
  const state = await guard.state();
  if (!state || !isLive(state)) return "inactive";
  await guard.revoke(origin, reason, note);
  return "revoked";
}

async function eachWithLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Revokes the live links among `linkIds` through their LinkGuards, at most ten at a time. A
 * LinkGuard that fails does not stop the others: every link that can be revoked is, and the
 * failures are counted for the caller to report.
 */
export async function revokeLinks(
  env: Env,
  linkIds: readonly string[],
  reason: RevocationReason,
  origin: EventOrigin,
  options: { note?: string | undefined; onFailure?: (linkId: string, error: unknown) => void } = {},
): Promise<RevocationCounts> {
  const counts: RevocationCounts = { linksRevoked: 0, alreadyInactive: 0, linksFailed: 0 };
  await eachWithLimit(linkIds, CONCURRENCY, async (linkId) => {
    try {
      const outcome = await revokeOne(env, linkId, reason, origin, options.note);
      if (outcome === "revoked") counts.linksRevoked += 1;
      else counts.alreadyInactive += 1;
    } catch (error) {
      counts.linksFailed += 1;
      options.onFailure?.(linkId, error);
    }
  });
  return counts;
}

/** Selects the tenant's links and revokes the live ones; see `selectLinks` and `revokeLinks`. */
export async function revokeSelected(
  env: Env,
  db: Database,
  tenantId: string,
  selector: LinkSelector,
  reason: RevocationReason,
  origin: EventOrigin,
  options: { note?: string | undefined; onFailure?: (linkId: string, error: unknown) => void } = {},
): Promise<RevocationCounts> {
  const { candidates, settled } = await selectLinks(db, tenantId, selector);
  const counts = await revokeLinks(env, candidates, reason, origin, options);
  return { ...counts, alreadyInactive: counts.alreadyInactive + settled };
}

/**
 * Resolves a request's selector within the tenant. An unknown version, object or subject is 404,
 * and so is another tenant's. A subject counts as known when it is registered or when a link is
 * bound to it: links may name a subject before it is provisioned.
 */
async function resolveSelector(
  db: Database,
  tenantId: string,
  request: RevocationRequest,
): Promise<LinkSelector> {
  if ("versionId" in request) {
    await requireVersion(db, tenantId, request.versionId);
    return { kind: "version", versionId: request.versionId };
  }
  if ("objectName" in request) {
    const object = await findObjectByName(db, tenantId, request.objectName);
    if (!object) throw new ApiError("not_found", "No such object.");
    return { kind: "object", objectId: object.id };
  }
  if ("subjectId" in request) {
    const subjectId = request.subjectId;
    const [registered, bound] = await Promise.all([
      db.$count(subjects, and(eq(subjects.tenantId, tenantId), eq(subjects.id, subjectId))),
      db.$count(links, and(eq(links.tenantId, tenantId), eq(links.recipientSubjectId, subjectId))),
    ]);
    if (registered + bound === 0) throw new ApiError("not_found", "No such subject.");
    return { kind: "subject", subjectId };
  }
  return { kind: "everything" };
}

/** What the summary event says was selected: the request's own words, never more. */
function selectorDetail(request: RevocationRequest): Record<string, unknown> {
  if ("versionId" in request) return { versionId: request.versionId };
  if ("objectName" in request) return { objectName: request.objectName };
  if ("subjectId" in request) return { subjectId: request.subjectId };
  return { everything: true };
}

/**
 * `POST /v1/revocations`: revokes every live link the request selects and records one
 * `links.bulk_revoked` summary event with the counts, also when some LinkGuards failed (then with
 * outcome `failed`, and the caller gets a 500 to retry).
 */
export async function bulkRevoke(
  env: Env,
  db: Database,
  tenantId: string,
  request: RevocationRequest,
  origin: EventOrigin & { actor: string },
  onFailure?: (linkId: string, error: unknown) => void,
): Promise<RevocationCounts> {
  const selector = await resolveSelector(db, tenantId, request);
  const reason = BULK_REASONS[selector.kind];
  const counts = await revokeSelected(env, db, tenantId, selector, reason, origin, {
    note: request.note,
    onFailure,
  });

  const event = buildAuditEvent(
    {
      tenantId,
      versionId: selector.kind === "version" ? selector.versionId : null,
      action: "links.bulk_revoked",
      outcome: counts.linksFailed === 0 ? "succeeded" : "failed",
      reason,
      detail: {
        selector: selectorDetail(request),
        ...counts,
        ...(request.note ? { note: request.note } : {}),
      },
    },
    origin,
  );
  await insertAuditEvents(db, [event]);
  return counts;
}
