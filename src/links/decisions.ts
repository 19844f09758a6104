/**
 * The rules LinkGuard applies, as pure functions of a link's state, the request and the time, so
 * they can be read and tested on their own. The order of the checks is the order of precedence:
 * a revoked link says revoked even when it has also expired.
 */
import { checkConstraints, type RequestContext } from "./constraints.ts";
import type { ApprovalState, DenialCode, LinkRecord, LinkState, LinkStatus } from "./model.ts";

export interface GuardSnapshot {
  record: LinkRecord;
  usesSpent: number;
  revokedAt: number | null;
  /** Why it was revoked (a RevocationReason, or an issuer's own words); null while live. */
  revokedReason: string | null;
  approval: ApprovalState;
  /** Re-confirmations granted after sessions lapsed incomplete. */
  retriesUsed: number;
  /** Sessions that ended by lapsing before every byte was served. */
  lapsedIncomplete: number;
}

/**
 * Whether a spent link may be confirmed once more: its class allows retries, one is left, and a
 * session lapsed incomplete that no retry has made up for yet.
 */
export function retryAvailable(snapshot: GuardSnapshot): boolean {
  return (
    snapshot.retriesUsed < snapshot.record.policy.retriesAfterLapse &&
    snapshot.lapsedIncomplete > snapshot.retriesUsed
  );
}

/** Why the link itself refuses confirmations now, whoever asks; null when it is open. */
export function linkDenial(snapshot: GuardSnapshot, now: number): DenialCode | null {
  const { record, approval } = snapshot;
  if (snapshot.revokedAt !== null) return revocationDenial(snapshot);
  if (now >= record.expiresAt) return "link_expired";
  if (approval.status === "rejected") return "approval_rejected";
  if (approval.status === "pending") {
    return approval.expiresAt !== null && now >= approval.expiresAt
      ? "approval_expired"
      : "approval_pending";
  }
  if (snapshot.usesSpent >= record.maxUses && !retryAvailable(snapshot)) return "link_used_up";
  return null;
}

/** A link that ended because its version's bytes were purged says so, not merely "revoked". */
export function revocationDenial(snapshot: Pick<GuardSnapshot, "revokedReason">): DenialCode {
  return snapshot.revokedReason === "version_purged" ? "version_purged" : "link_revoked";
}

/** Why this request may not confirm an open link: who or where it comes from, or when. */
export function requestDenial(
  record: LinkRecord,
  request: RequestContext,
  now: number,
): DenialCode | null {
  // Recipient identity is not established yet, so a bound link cannot be opened by anyone.
  const binding = record.recipient;
  if (binding && (binding.email || binding.subjectId || binding.group)) return "identity_required";
  return checkConstraints(record.constraints, request, now);
}

const STATUS_OF_DENIAL: Partial<Record<DenialCode, LinkStatus>> = {
  link_revoked: "revoked",
  version_purged: "revoked",
  link_expired: "expired",
  approval_rejected: "rejected",
  approval_expired: "expired",
  approval_pending: "pending_approval",
  link_used_up: "used_up",
};

export function linkStatusOf(snapshot: GuardSnapshot, now: number): LinkStatus {
  const denial = linkDenial(snapshot, now);
  return denial === null ? "active" : (STATUS_OF_DENIAL[denial] ?? "active");
}

/** The link's state as the API reports it. */
export function linkStateOf(snapshot: GuardSnapshot, openSessions: number, now: number): LinkState {
  const { record } = snapshot;
  return {
    linkId: record.linkId,
    status: linkStatusOf(snapshot, now),
    usesSpent: snapshot.usesSpent,
    maxUses: record.maxUses,
    usesLeft: Math.max(0, record.maxUses - snapshot.usesSpent),
    expiresAt: record.expiresAt,
    revokedAt: snapshot.revokedAt,
    openSessions,
    approval: snapshot.approval,
  };
}
