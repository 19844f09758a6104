/**
 * What a link is, as LinkGuard keeps it, and the answers LinkGuard gives. These types cross the
 * Durable Object RPC boundary, so they hold plain data only.
 */
import type { EventOrigin } from "../audit/events.ts";
import type { SensitivityClass } from "../policy/classes.ts";
import type { ConstraintDenial, LinkConstraints } from "./constraints.ts";

/** The immutable version a link delivers, copied at issue time so no download needs D1. */
export interface DeliveredFile {
  versionId: string;
  objectName: string;
  versionNumber: number;
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
  | "retention_ended"
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
  | { decided: false; reason: "not_pending" | "issuer_cannot_approve"; state: LinkState };

export type FetchAuthorization =
  | { allowed: true; file: DeliveredFile; tenantId: string }
  | { allowed: false; code: DenialCode };

/** What the Worker tells LinkGuard about a request, for decisions and the audit. */
export type GuardOrigin = EventOrigin;
