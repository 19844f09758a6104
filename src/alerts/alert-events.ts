/**
 * Alert events: the audit events a rule raises about another, sealed event (its trigger).
 *
 * An alert's id is derived from its rule and its trigger's id, so evaluating a redelivered event
 * builds the very same alert, and the audit's insert-by-id keeps it once. Its time is the
 * trigger's, so it sits beside its cause in the log and rebuilding it yields identical fields. It
 * is raised by the system, and carries the trigger's client and request id for correlation.
 */
import {
  type AuditAction,
  type AuditEvent,
  buildAuditEvent,
  type SealedAuditEvent,
} from "../audit/events.ts";
import { base64UrlEncode } from "../ids.ts";

/** One rule's verdict; `key` names the rule (and its variant) in the alert id. */
export interface AlertDraft {
  key: string;
  action: Extract<AuditAction, `alert.${string}`>;
  /** A stable code saying why, e.g. `denials_on_link`; free text never goes here. */
  reason: string;
  /** Whether the alert is about the trigger's link (false for tenant-wide subjects). */
  aboutLink: boolean;
  detail: Record<string, unknown>;
}

/** `evt_` and 22 base64url characters, like every event id, from SHA-256(rule, trigger id). */
export async function alertId(key: string, triggerId: string): Promise<string> {
  const input = new TextEncoder().encode(`portcullis-alert\u0000${key}\u0000${triggerId}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
  return `evt_${base64UrlEncode(digest.subarray(0, 16))}`;
}

export async function buildAlert(
  trigger: SealedAuditEvent,
  draft: AlertDraft,
): Promise<AuditEvent> {
  const event = buildAuditEvent(
    {
      tenantId: trigger.tenantId,
      linkId: draft.aboutLink ? trigger.linkId : null,
      versionId: draft.aboutLink ? trigger.versionId : null,
      action: draft.action,
      outcome: "succeeded",
      reason: draft.reason,
      detail: { ...draft.detail, triggerEventId: trigger.id },
    },
    {
      requestId: trigger.requestId,
      client: { ip: trigger.clientIp, country: trigger.country, userAgent: trigger.userAgent },
      actor: "system",
    },
    trigger.occurredAt,
  );
  return { ...event, id: await alertId(draft.key, trigger.id) };
}
