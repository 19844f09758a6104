/**
 * The audit event: one row per access or change. It records who did what to which link or
 * version, the outcome and its reason code, and what is known of the client. It never holds a
 * token, a key, a session capability or a secret; builders here accept none of them.
 */
import { z } from "zod";
import type { ClientInfo } from "../http/request-context.ts";
import { wellFormed } from "../http/well-formed.ts";
import { newId } from "../ids.ts";

export const AUDIT_ACTIONS = [
  "version.published",
  "version.purged",
  "link.issued",
  "link.viewed",
  "link.revoked",
  "link.approved",
  "link.rejected",
  "download.started",
  "download.completed",
  "download.interrupted",
  "download.denied",
  "download.use_returned",
  "bundle.created",
  "bundle.member_delivered",
  "key.created",
  "key.revoked",
  "subject.updated",
  "subject.deactivated",
  "download.address_changed",
  "links.bulk_revoked",
  "policy.changed",
  "settings.changed",
  "webhook.created",
  "webhook.updated",
  "webhook.deleted",
  "webhook.secret_rotated",
  "webhook.replayed",
  "alert.repeated_denials",
  "alert.unusual_location",
  "alert.outside_hours",
  "alert.second_address",
  "audit.pruned",
] as const;

export const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

export const AUDIT_OUTCOMES = ["allowed", "denied", "succeeded", "failed"] as const;
export const auditOutcomeSchema = z.enum(AUDIT_OUTCOMES);
export type AuditOutcome = z.infer<typeof auditOutcomeSchema>;

export const auditEventSchema = z.object({
  id: z.string(),
  occurredAt: z.number().int(),
  tenantId: z.string().nullable(),
  linkId: z.string().nullable(),
  versionId: z.string().nullable(),
  action: auditActionSchema,
  outcome: auditOutcomeSchema,
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  actorKeyId: z.string().nullable(),
  clientIp: z.string().nullable(),
  country: z.string().nullable(),
  userAgent: z.string().nullable(),
  bytesServed: z.number().int().nullable(),
  requestId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});

export type AuditEvent = z.infer<typeof auditEventSchema>;

/** An event as sealed into its tenant's hash chain (src/audit/chain.ts). */
export const sealedAuditEventSchema = auditEventSchema.extend({
  seq: z.number().int().min(1),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  sealedAt: z.number().int(),
});

export type SealedAuditEvent = z.infer<typeof sealedAuditEventSchema>;

/** Where an event came from: the request that caused it, when there was one. */
export interface EventOrigin {
  requestId: string | null;
  client: ClientInfo | null;
  /** The principal (API key owner) who acted; null for recipients, who are anonymous so far. */
  actor: string | null;
  /** The API key the actor used; absent for the system and for recipients. */
  actorKeyId?: string | null;
}

export const SYSTEM_ORIGIN: EventOrigin = { requestId: null, client: null, actor: "system" };

export function buildAuditEvent(
  fields: {
    tenantId: string | null;
    linkId?: string | null;
    versionId?: string | null;
    action: AuditAction;
    outcome: AuditOutcome;
    reason?: string | null;
    bytesServed?: number | null;
    detail?: Record<string, unknown> | null;
  },
  origin: EventOrigin,
  now = Date.now(),
): AuditEvent {
  // Text that could not be stored or hashed faithfully must never stall the audit chain.
  return wellFormed({
    id: newId("event"),
    occurredAt: now,
    tenantId: fields.tenantId,
    linkId: fields.linkId ?? null,
    versionId: fields.versionId ?? null,
    action: fields.action,
    outcome: fields.outcome,
    reason: fields.reason ?? null,
    actor: origin.actor,
    actorKeyId: origin.actorKeyId ?? null,
    clientIp: origin.client?.ip ?? null,
    country: origin.client?.country ?? null,
    userAgent: origin.client?.userAgent ?? null,
    bytesServed: fields.bytesServed ?? null,
    requestId: origin.requestId,
    detail: fields.detail ?? null,
  });
}
