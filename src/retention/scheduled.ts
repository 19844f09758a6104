/**
 * The cron triggers: every hour the retention sweep of versions and of old audit events; every
 * five minutes a pass that asks the AuditLedger of each tenant with unsealed events to seal them
 * (a backstop for hand-offs that failed after their events reached D1).
 */
import { requestSeal } from "../audit/ledger-client.ts";
import { tenantsWithWaitingEvents } from "../audit/sealing.ts";
import { database } from "../db/client.ts";
import { createLogger, describeError } from "../http/logger.ts";
import { allTenantIds, pruneTenantAudit, pruneUnattributedAudit } from "./audit-pruning.ts";
import { runRetentionSweep } from "./sweep.ts";

export const RETENTION_CRON = "17 * * * *";

/** Tenants handled per backstop pass; the next pass takes the rest. */
const SEAL_PASS_TENANTS = 200;

export async function runScheduled(cron: string, env: Env): Promise<void> {
  if (cron === RETENTION_CRON) {
    await runRetentionSweep(env);
    await pruneAuditEvents(env);
    return;
  }
  await sealWaitingTenants(env);
}

/** Audit retention for every tenant; one failing tenant does not stop the others. */
export async function pruneAuditEvents(env: Env, now = Date.now()): Promise<void> {
  const logger = createLogger({ component: "audit-retention" });
  for (const tenantId of await allTenantIds(env)) {
    try {
      const pruned = await pruneTenantAudit(env, tenantId, now);
      if (pruned) logger.info("audit events pruned", { tenantId, ...pruned });
    } catch (error) {
      logger.error("audit pruning failed", { tenantId, ...describeError(error) });
    }
  }
  await pruneUnattributedAudit(env, now);
}

export async function sealWaitingTenants(env: Env): Promise<number> {
  const logger = createLogger({ component: "seal-backstop" });
  const tenants = await tenantsWithWaitingEvents(database(env.DB), SEAL_PASS_TENANTS);
  for (const tenantId of tenants) {
    try {
      await requestSeal(env, tenantId);
    } catch (error) {
      logger.warn("sealing request failed", { tenantId, ...describeError(error) });
    }
  }
  return tenants.length;
}
