/**
 * What a link is, as LinkGuard keeps it, and the answers LinkGuard gives. These types cross the
 * Durable Object RPC boundary, so they hold plain data only.
 */
import type { EventOrigin } from "../audit/events.ts";
import type { SensitivityClass } from "../policy/classes.ts";
import type { ConstraintDenial, LinkConstraints } from "./constraints.ts";

/**
 * What a link delivers, copied at issue time so no download needs D1: one immutable version, or
 * for a bundle the ZIP as a whole (see {@link DeliveredBundle} for how its fields are filled).
 */
export interface DeliveredFile {
  /** Null for a bundle. */
  versionId: string | null;
  /** The object's name; for a bundle, the bundle's name. */
  objectName: string;
  /** Null for a bundle. */
  versionNumber: number | null;
  /** Empty for a bundle, whose bytes come from its members' storage keys. */
  storageKey: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  modelVersion: string | null;
  trainingWindow: string | null;
  recipientGroup: string | null;
  publishedAt: number;
}

/** One version inside a bundle's ZIP, in ZIP order. */
export interface BundleMember {
  versionId: string;
  storageKey: string;
  /** The entry's name inside the ZIP, unique within it (see `src/bundles/names.ts`). */
  filename: string;
  size: number;
  sha256: string;
}

/**
 * A bundle a link delivers as one ZIP built on the fly. The link's `file` then describes the ZIP:
 * `<name>.zip`, `application/zip`, the exact predicted length, and as `sha256` the digest of the
 * bundle's canonical manifest, which seeds the strong ETag. That is NOT the digest of the ZIP's
 * bytes, which is known only once they were all generated; each member's own digest is in the
 * ZIP's `MANIFEST.sha256`.
 */
export interface DeliveredBundle {
  bundleId: string;
  /** Every entry's modification time (the bundle's creation), so the ZIP's bytes never vary. */
  lastModified: number;
  members: BundleMember[];
}

/** Who may download: none of these set means anyone holding the link. */
export interface RecipientBinding {
  email: string | null;
  subjectId: string | null;
  group: string | null;
}

/** The parts of the class policy a link keeps from issue time; later changes never loosen it. */
export interface IssuedPolicy {
  sessionGraceSeconds: number;
  retriesAfterLapse: number;
  approvalRequired: boolean;
  /** When a pending approval lapses; null when no approval is needed. */
  approvalExpiresAt: number | null;
  summary: string;
}

export interface LinkRecord {
  linkId: string;
  tenantId: string;
  class: SensitivityClass;
  maxUses: number;
  issuedAt: number;
  expiresAt: number;
  /** The principal who issued the link; never its approver. */
  issuedBy: string;
  recipient: RecipientBinding | null;
  constraints: LinkConstraints;
  policy: IssuedPolicy;
  file: DeliveredFile;
  /** Present when the link delivers a bundle. */
  bundle?: DeliveredBundle;
}

export type LinkStatus =
  | "active"
  | "pending_approval"
  | "rejected"
  | "expired"
  | "revoked"
  | "used_up";

export type ApprovalStatus = "not_required" | "pending" | "approved" | "rejected";

/** Why LinkGuard refuses a confirmation or fetch; each is also a problem code. */
export type DenialCode =
  | "link_expired"
  | "link_revoked"
  | "version_purged"
  | "link_used_up"
  | "approval_pending"
  | "approval_rejected"
  | "approval_expired"
  | "identity_required"
  | ConstraintDenial
  | "session_ended"
  | "token_invalid";

/** Why a link was revoked, as recorded in the audit's reason column. */
export type RevocationReason =
  | "revoked_by_issuer"
  | "version_purged"
  | "subject_changed"
  | "bulk_by_version"
  | "bulk_by_object"
  | "bulk_by_subject"
  | "emergency";

export interface ApprovalState {
  status: ApprovalStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  expiresAt: number | null;
}

export interface LinkState {
  linkId: string;
  status: LinkStatus;
  usesSpent: number;
  maxUses: number;
  usesLeft: number;
  expiresAt: number;
  revokedAt: number | null;
  openSessions: number;
  approval: ApprovalState;
}

export interface LinkView {
  state: LinkState;
  record: LinkRecord;
  /** Why a confirmation would be refused right now, if it would. */
  denial: DenialCode | null;
}

export type ConfirmResult =
  | { allowed: true; sessionId: string; sessionExpiresAt: number }
  | { allowed: false; code: DenialCode };

export type ApprovalDecision =
  | { decided: true; state: LinkState }
  | {
      decided: false;
      reason: "not_pending" | "approval_expired" | "issuer_cannot_approve";
      state: LinkState;
    };

export type FetchAuthorization =
  | { allowed: true; file: DeliveredFile; bundle: DeliveredBundle | null; tenantId: string }
  | { allowed: false; code: DenialCode };

/** What the Worker tells LinkGuard about a request, for decisions and the audit. */
export type GuardOrigin = EventOrigin;
