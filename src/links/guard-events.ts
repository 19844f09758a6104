/**
 * The audit events LinkGuard writes about its link, built here so the Durable Object only decides
 * when to write them. A bundle link's events carry no version id of their own (unless one is
 * named, as for each delivered member) and say which bundle in `detail.bundleId`.
 */
import { type AuditEvent, buildAuditEvent } from "../audit/events.ts";
import type { SessionRow } from "./guard-store.ts";
import type { GuardOrigin, LinkRecord } from "./model.ts";
import { type ByteInterval, distinctBytes } from "./served-ranges.ts";

export type LinkEventFields = Omit<Parameters<typeof buildAuditEvent>[0], "tenantId" | "linkId">;

export function linkEvent(
  record: LinkRecord,
  origin: GuardOrigin,
  fields: LinkEventFields,
): AuditEvent {
  const bundleId = record.bundle?.bundleId;
  return buildAuditEvent(
    {
      ...fields,
      tenantId: record.tenantId,
      linkId: record.linkId,
      versionId: fields.versionId === undefined ? record.file.versionId : fields.versionId,
      detail: bundleId ? { ...fields.detail, bundleId } : fields.detail,
    },
    origin,
  );
}

/** What was issued, minus anything secret: terms, and whether approval and a binding apply. */
export function issuedEvent(record: LinkRecord): LinkEventFields {
  return {
    action: "link.issued",
    outcome: "succeeded",
    detail: {
      class: record.class,
      maxUses: record.maxUses,
      expiresAt: record.expiresAt,
      approvalRequired: record.policy.approvalRequired,
      constraints: Object.keys(record.constraints),
      bound: record.recipient !== null,
    },
  };
}

/** The completed download, then, for a bundle, each member as delivered. */
export function completionEvents(
  record: LinkRecord,
  bytesServed: number,
  served: readonly ByteInterval[],
): LinkEventFields[] {
  const completed: LinkEventFields = {
    action: "download.completed",
    outcome: "succeeded",
    bytesServed,
    detail: { distinctBytes: distinctBytes(served) },
  };
  const members = (record.bundle?.members ?? []).map(
    (member): LinkEventFields => ({
      action: "bundle.member_delivered",
      outcome: "succeeded",
      // Filed under the member's version, so "who received this version" finds bundles too.
      versionId: member.versionId,
      detail: {
        memberVersionId: member.versionId,
        filename: member.filename,
        sha256: member.sha256,
        size: member.size,
      },
    }),
  );
  return [completed, ...members];
}

export function interruptionEvent(record: LinkRecord, session: SessionRow): LinkEventFields {
  return {
    action: "download.interrupted",
    outcome: "failed",
    reason: "session_lapsed",
    bytesServed: session.bytesServed,
    detail: { distinctBytes: distinctBytes(session.served), size: record.file.size },
  };
}

/**
 * A session fetched from an address other than the one that opened it: allowed (sessions are
 * not bound to an address), recorded so the alert rules can flag a shared one-time download.
 */
export function addressChangedEvent(record: LinkRecord, firstAddress: string): LinkEventFields {
  return {
    action: "download.address_changed",
    outcome: "allowed",
    detail: { firstAddress, oneTime: record.maxUses === 1 },
  };
}
