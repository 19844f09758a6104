/**
 * What a link is, as LinkGuard keeps it, and the answers LinkGuard gives. These types cross the
 * Durable Object RPC boundary, so they hold plain data only.
 */
import type { EventOrigin } from "../audit/events.ts";
import type { SensitivityClass } from "../policy/classes.ts";

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

export interface LinkRecord {
  linkId: string;
  tenantId: string;
  class: SensitivityClass;
  maxUses: number;
  issuedAt: number;
  expiresAt: number;
  issuedBy: string;
  recipientEmail: string | null;
  sessionGraceSeconds: number;
  policySummary: string;
  file: DeliveredFile;
}

export type LinkStatus = "active" | "expired" | "revoked" | "used_up";

export type DenialCode =
  | "link_expired"
  | "link_revoked"
  | "link_used_up"
  | "identity_required"
  | "session_ended"
  | "token_invalid";

/** Why a link was revoked, as recorded in the audit's reason column. */
export type RevocationReason = "revoked_by_issuer" | "retention_ended";

export interface LinkState {
  linkId: string;
  status: LinkStatus;
  usesSpent: number;
  maxUses: number;
  usesLeft: number;
  expiresAt: number;
  revokedAt: number | null;
  openSessions: number;
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

export type FetchAuthorization =
  | { allowed: true; file: DeliveredFile; tenantId: string }
  | { allowed: false; code: DenialCode };

/** What the Worker tells LinkGuard about a request, for decisions and the audit. */
export type GuardOrigin = EventOrigin;

export function linkStatus(
  record: LinkRecord,
  usesSpent: number,
  revokedAt: number | null,
  now: number,
): LinkStatus {
  if (revokedAt !== null) return "revoked";
  if (now >= record.expiresAt) return "expired";
  if (usesSpent >= record.maxUses) return "used_up";
  return "active";
}

export const STATUS_DENIAL: Record<Exclude<LinkStatus, "active">, DenialCode> = {
  expired: "link_expired",
  revoked: "link_revoked",
  used_up: "link_used_up",
};
