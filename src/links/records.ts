/**
 * Issuing links and reading them back. LinkGuard is the source of truth for a link's live state;
 * the D1 `links` row records what was issued, so a tenant's links can be found and listed.
 */
import { and, eq } from "drizzle-orm";
import type { EventOrigin } from "../audit/events.ts";
import type { Database } from "../db/client.ts";
import { links, type versions } from "../db/schema.ts";
import { ApiError } from "../http/problems.ts";
import { newId } from "../ids.ts";
import type { VersionWithObject } from "../objects/records.ts";
import type { SensitivityClass } from "../policy/classes.ts";
import { loadClassPolicy } from "../policy/store.ts";
import { resolveLinkTerms } from "../policy/terms.ts";
import { getSubject } from "../subjects/service.ts";
import type { LinkConstraints } from "./constraints.ts";
import { linkGuard } from "./guard-client.ts";
import type {
  DeliveredBundle,
  DeliveredFile,
  LinkRecord,
  LinkState,
  RecipientBinding,
} from "./model.ts";
import type { LinkBody } from "./schemas.ts";

type LinkRow = typeof links.$inferSelect;
type VersionRow = typeof versions.$inferSelect;

/** What a link delivers: one version, or a bundle's ZIP (built by `src/bundles`). */
export interface LinkTarget {
  tenantId: string;
  /** The class whose tenant policy governs the link. */
  class: SensitivityClass;
  file: DeliveredFile;
  bundle: DeliveredBundle | null;
  /** Every version whose bytes the link delivers: the one version, or the bundle's members. */
  versions: readonly VersionRow[];
}

/** The target of a link to one version. */
export function versionTarget({ version, object }: VersionWithObject): LinkTarget {
  return {
    tenantId: version.tenantId,
    class: object.class as SensitivityClass,
    bundle: null,
    versions: [version],
    file: {
      versionId: version.id,
      objectName: object.name,
      versionNumber: version.number,
      storageKey: version.storageKey,
      filename: version.filename,
      contentType: version.contentType,
      size: version.size,
      sha256: version.sha256,
      modelVersion: version.modelVersion,
      trainingWindow: version.trainingWindow,
      recipientGroup: version.recipientGroup,
      publishedAt: version.publishedAt,
    },
  };
}

/**
 * Refuses a version whose bytes are gone, or about to be: a version past its retention is purged
 * by the next sweep, so a link or bundle made now would outlive its bytes.
 */
export function assertDeliverable(version: VersionRow, now: number): void {
  if (version.purgedAt !== null || (version.retainUntil !== null && version.retainUntil <= now)) {
    throw new ApiError("version_purged", "This version can no longer be delivered.", {
      extensions: { versionId: version.id },
    });
  }
}

export interface IssueRequest {
  ttlSeconds?: number | undefined;
  maxUses?: number | undefined;
  recipientEmail?: string | undefined;
  recipientSubjectId?: string | undefined;
  recipientGroup?: string | undefined;
  constraints?: LinkConstraints | undefined;
}

function bindingOf(request: IssueRequest): RecipientBinding | null {
  const binding = {
    email: request.recipientEmail?.toLowerCase() ?? null,
    subjectId: request.recipientSubjectId ?? null,
    group: request.recipientGroup ?? null,
  };
  return binding.email || binding.subjectId || binding.group ? binding : null;
}

/**
 * A link may not be bound to a subject the tenant has deactivated, or to a group the subject
 * does not hold: the subject change would revoke it at once. Subjects the tenant never
 * registered are allowed, since the identity provider may know recipients the tenant has not
 * listed here.
 */
async function assertSubjectCanReceive(
  db: Database,
  tenantId: string,
  recipient: RecipientBinding,
): Promise<void> {
  const subject = await getSubject(db, tenantId, recipient.subjectId ?? "");
  if (!subject) return;
  if (!subject.active) {
    throw new ApiError("policy_violation", "The recipient subject has been deactivated.", {
      extensions: { rule: "subject_inactive", allowed: null },
    });
  }
  if (recipient.group && !subject.roles.includes(recipient.group)) {
    throw new ApiError("policy_violation", "The recipient subject does not hold this group.", {
      extensions: { rule: "subject_lacks_group", allowed: subject.roles },
    });
  }
}

/**
 * Issues a link: LinkGuard stores it (and audits `link.issued`) first, then D1 records it. If
 * the D1 write fails no token is ever handed out, so the orphaned guard can never be reached.
 */
export async function issueLink(
  env: Env,
  db: Database,
  target: LinkTarget,
  request: IssueRequest,
  origin: EventOrigin & { actor: string },
  now = Date.now(),
): Promise<{ row: LinkRow; state: LinkState }> {
  for (const version of target.versions) assertDeliverable(version, now);
  const sensitivityClass = target.class;
  const policy = await loadClassPolicy(db, target.tenantId, sensitivityClass);
  const recipient = bindingOf(request);
  if (recipient?.subjectId) await assertSubjectCanReceive(db, target.tenantId, recipient);
  const constraints = request.constraints ?? {};
  const terms = resolveLinkTerms(sensitivityClass, policy, {
    ttlSeconds: request.ttlSeconds,
    maxUses: request.maxUses,
    bound: recipient !== null,
    constraints,
  });

  // Whole seconds, because the token's `exp` claim is in seconds and must equal the record.
  const expiresAt = Math.floor((now + terms.ttlSeconds * 1000) / 1000) * 1000;
  const record: LinkRecord = {
    linkId: newId("link"),
    tenantId: target.tenantId,
    class: sensitivityClass,
    maxUses: terms.maxUses,
    issuedAt: now,
    expiresAt,
    issuedBy: origin.actor,
    recipient,
    constraints,
    policy: {
      sessionGraceSeconds: policy.sessionGraceSeconds,
      retriesAfterLapse: policy.retriesAfterLapse,
      approvalRequired: policy.approvalRequired,
      // An approval can never outlast the link it would open.
      approvalExpiresAt: policy.approvalRequired
        ? Math.min(now + policy.approvalTtlSeconds * 1000, expiresAt)
        : null,
      summary: policy.summary,
    },
    file: target.file,
    ...(target.bundle ? { bundle: target.bundle } : {}),
  };

  const state = await linkGuard(env, record.linkId).issue(record, origin);
  const row: LinkRow = {
    id: record.linkId,
    tenantId: record.tenantId,
    versionId: target.bundle ? null : target.file.versionId,
    bundleId: target.bundle?.bundleId ?? null,
    class: sensitivityClass,
    maxUses: record.maxUses,
    recipientEmail: recipient?.email ?? null,
    recipientSubjectId: recipient?.subjectId ?? null,
    recipientGroup: recipient?.group ?? null,
    issuedBy: record.issuedBy,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
  };
  await db.insert(links).values(row);
  return { row, state };
}

/** A link of the caller's tenant, or 404 — the same 404 whether it is foreign or missing. */
export async function requireLinkRow(db: Database, tenantId: string, linkId: string) {
  const row = await db
    .select()
    .from(links)
    .where(and(eq(links.tenantId, tenantId), eq(links.id, linkId)))
    .get();
  if (!row) throw new ApiError("not_found", "No such link.");
  return row;
}

export function toLinkBody(row: LinkRow, state: LinkState, url?: string): LinkBody {
  return {
    id: row.id,
    ...(url ? { url } : {}),
    versionId: row.versionId,
    bundleId: row.bundleId,
    class: row.class as SensitivityClass,
    status: state.status,
    usesSpent: state.usesSpent,
    maxUses: state.maxUses,
    usesLeft: state.usesLeft,
    expiresAt: new Date(state.expiresAt).toISOString(),
    issuedAt: new Date(row.issuedAt).toISOString(),
    issuedBy: row.issuedBy,
    recipientEmail: row.recipientEmail,
    recipientSubjectId: row.recipientSubjectId,
    recipientGroup: row.recipientGroup,
    approval: {
      status: state.approval.status,
      decidedBy: state.approval.decidedBy,
      decidedAt: iso(state.approval.decidedAt),
      expiresAt: iso(state.approval.expiresAt),
    },
    revokedAt: iso(state.revokedAt),
  };
}

function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}
