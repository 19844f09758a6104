/**
 * Reaching a tenant's AuditLedger (one Durable Object per tenant, named by the tenant id), and the
 * two ways events enter the chain:
 *
 * - `submitAuditEvents` for events that no D1 transaction carries: the ledger keeps them durably
 *   before it returns, then writes them to D1 and seals them;
 * - `requestSeal` after a D1 batch wrote events together with the change they record: those are
 *   already durable, and only need sealing. A missed call costs only time: the cron seals every
 *   tenant with waiting events within minutes.
 */
import type { AuditEvent } from "./events.ts";
import { type AuditLedger, UNATTRIBUTED } from "./ledger.ts";

export function auditLedger(env: Env, tenantId: string | null): DurableObjectStub<AuditLedger> {
  const namespace = env.AUDIT_LEDGER as DurableObjectNamespace<AuditLedger>;
  return namespace.get(namespace.idFromName(tenantId ?? UNATTRIBUTED));
}

export async function submitAuditEvents(
  env: Env,
  tenantId: string | null,
  events: readonly AuditEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await auditLedger(env, tenantId).submit(tenantId ?? UNATTRIBUTED, [...events]);
}

export async function requestSeal(env: Env, tenantId: string): Promise<void> {
  await auditLedger(env, tenantId).seal(tenantId);
}
