/**
 * Reading a tenant's policy: its own rows where it has them, the built-in policy elsewhere. A
 * stored policy that no longer passes the schema (for example after a stricter release) is
 * ignored in favour of the built-in one and logged, so a bad row can never loosen a class.
 */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { tenantPolicies } from "../db/schema.ts";
import { createLogger } from "../http/logger.ts";
import {
  BUILT_IN_POLICY,
  type ClassPolicy,
  classPolicySchema,
  classSchema,
  type SensitivityClass,
  type TenantPolicy,
} from "./classes.ts";

export async function loadTenantPolicy(db: Database, tenantId: string): Promise<TenantPolicy> {
  const rows = await db
    .select()
    .from(tenantPolicies)
    .where(eq(tenantPolicies.tenantId, tenantId))
    .all();

  const policy: TenantPolicy = { ...BUILT_IN_POLICY };
  for (const row of rows) {
    const sensitivityClass = classSchema.safeParse(row.class);
    const stored = classPolicySchema.safeParse(row.policy);
    if (!sensitivityClass.success || !stored.success) {
      createLogger({ component: "policy" }).error("stored policy invalid; using built-in", {
        tenantId,
        class: row.class,
      });
      continue;
    }
    policy[sensitivityClass.data] = stored.data;
  }
  return policy;
}

export async function loadClassPolicy(
  db: Database,
  tenantId: string,
  sensitivityClass: SensitivityClass,
): Promise<ClassPolicy> {
  return (await loadTenantPolicy(db, tenantId))[sensitivityClass];
}
