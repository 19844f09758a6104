/** Fanning an event out to the tenant's webhook endpoints: one delivery message per endpoint. */
import type { SealedAuditEvent } from "../audit/events.ts";

export async function enqueueWebhookDeliveries(
  _env: Env,
  _event: SealedAuditEvent,
): Promise<void> {}
