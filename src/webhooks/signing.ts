/**
 * The request a receiver gets, per Standard Webhooks (https://www.standardwebhooks.com): the body
 * `{ type, timestamp, data }`, and the `webhook-id`, `webhook-timestamp` and `webhook-signature`
 * headers. The id is the audit event's id, so a retry or a replay carries the same id and a
 * receiver can drop what it already has. Every live secret signs: during a rotation the header
 * holds two space-separated signatures, and a receiver holding either secret accepts the request.
 */
import { Webhook } from "standardwebhooks";
import type { SealedAuditEvent } from "../audit/events.ts";

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function webhookPayload(event: SealedAuditEvent): string {
  return JSON.stringify({
    type: event.action,
    timestamp: new Date(event.occurredAt).toISOString(),
    data: event,
  });
}

export function signWebhook(
  event: SealedAuditEvent,
  secrets: readonly string[],
  now = new Date(),
): SignedRequest {
  const body = webhookPayload(event);
  const signatures = secrets.map((secret) => new Webhook(secret).sign(event.id, now, body));
  return {
    body,
    headers: {
      "Content-Type": "application/json",
      "User-Agent": "Portcullis-Webhooks/1",
      "webhook-id": event.id,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": signatures.join(" "),
    },
  };
}
