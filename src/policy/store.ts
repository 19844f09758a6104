/**
 * Reading and changing a tenant's policy: its own rows where it has them, the built-in policy
 * elsewhere. A stored policy that no longer passes the schema (for example after a stricter
 * release) is ignored in favour of the built-in one and logged, so a bad row can never loosen a
 * class. Changes are written with their `policy.changed` audit events in one D1 batch.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { buildAuditEvent, type EventOrigin } from "../audit/events.ts";
import type { Database } from "../db/client.ts";
import { tenantPolicies } from "../db/schema.ts";
import { createLogger } from "../http/logger.ts";
import { insertChangeEvent } from "./change-events.ts";
import {
  BUILT_IN_POLICY,
  CLASSES,
  type ClassPolicy,
  classPolicySchema,
  classSchema,
  type SensitivityClass,
  type TenantPolicy,
} from "./classes.ts";

/** Where a class's effective policy comes from. */
export type PolicySource = "built-in" | "tenant";

export interface EffectivePolicy {
  classes: TenantPolicy;
  sources: Record<SensitivityClass, PolicySource>;
}

export async function loadEffectivePolicy(
  db: Database,
  tenantId: string,
): Promise<EffectivePolicy> {
  const rows = await db
    .select()
    .from(tenantPolicies)
    .where(eq(tenantPolicies.tenantId, tenantId))
    .all();

  const classes: TenantPolicy = { ...BUILT_IN_POLICY };
  const sources = Object.fromEntries(CLASSES.map((name) => [name, "built-in"])) as Record<
    SensitivityClass,
    PolicySource
  >;
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
    classes[sensitivityClass.data] = stored.data;
    sources[sensitivityClass.data] = "tenant";
  }
  return { classes, sources };
}

export async function loadTenantPolicy(db: Database, tenantId: string): Promise<TenantPolicy> {
  return (await loadEffectivePolicy(db, tenantId)).classes;
}

export async function loadClassPolicy(
  db: Database,
  tenantId: string,
  sensitivityClass: SensitivityClass,
): Promise<ClassPolicy> {
  return (await loadTenantPolicy(db, tenantId))[sensitivityClass];
}

/** A policy as JSON with its members in schema order, so equal policies have equal text. */
function canonicalJson(policy: ClassPolicy): string {
  return JSON.stringify(classPolicySchema.parse(policy));
}

export function samePolicy(a: ClassPolicy, b: ClassPolicy): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** One class's new policy, or `null` to return the class to the built-in policy. */
export interface ClassPolicyChange {
  class: SensitivityClass;
  policy: ClassPolicy | null;
}

/**
 * Writes class policy changes and one `policy.changed` event per class in one D1 batch. Each
 * event's `before` is read inside the batch, so when two admins change a class at once every
 * event holds the policy its own write replaced, and a write that turns out to change nothing
 * (the class already had that effective policy) records no event.
 */
export async function savePolicyChanges(
  db: Database,
  tenantId: string,
  changes: readonly ClassPolicyChange[],
  origin: EventOrigin & { actor: string },
  now = Date.now(),
): Promise<void> {
  const [first, ...rest] = policyChangeStatements(db, tenantId, changes, origin, now);
  if (first) await db.batch([first, ...rest]);
}

/** The statements of {@link savePolicyChanges}, for a batch that writes more beside them. */
export function policyChangeStatements(
  db: Database,
  tenantId: string,
  changes: readonly ClassPolicyChange[],
  origin: EventOrigin & { actor: string },
  now: number,
): BatchItem<"sqlite">[] {
  return changes.flatMap((change): BatchItem<"sqlite">[] => {
    const after = change.policy ?? BUILT_IN_POLICY[change.class];
    const event = policyChangedEvent(db, tenantId, change.class, canonicalJson(after), origin, now);
    const where = and(
      eq(tenantPolicies.tenantId, tenantId),
      eq(tenantPolicies.class, change.class),
    );
    if (change.policy === null) return [event, db.delete(tenantPolicies).where(where)];

    const row = {
      policy: classPolicySchema.parse(change.policy),
      updatedBy: origin.actor,
      updatedAt: now,
    };
    const upsert = db
      .insert(tenantPolicies)
      .values({ tenantId, class: change.class, ...row })
      .onConflictDoUpdate({ target: [tenantPolicies.tenantId, tenantPolicies.class], set: row });
    return [event, upsert];
  });
}

/**
 * The `policy.changed` event of one class, as an INSERT … SELECT that reads the class's current
 * row (or the built-in policy when it has none) as `before`, and inserts nothing when that is
 * already `after`. It must run before the statement that writes the class.
 */
function policyChangedEvent(
  db: Database,
  tenantId: string,
  sensitivityClass: SensitivityClass,
  afterJson: string,
  origin: EventOrigin & { actor: string },
  now: number,
): BatchItem<"sqlite"> {
  const event = buildAuditEvent(
    { tenantId, action: "policy.changed", outcome: "succeeded" },
    origin,
    now,
  );
  const detail = sql`json_object('class', ${sensitivityClass},
    'before', json(current.policy), 'after', json(${afterJson}))`;
  const stored = sql`(SELECT ${tenantPolicies.policy} FROM ${tenantPolicies}
    WHERE ${tenantPolicies.tenantId} = ${tenantId}
      AND ${tenantPolicies.class} = ${sensitivityClass})`;
  const builtInJson = canonicalJson(BUILT_IN_POLICY[sensitivityClass]);
  return insertChangeEvent(db, event, {
    detail,
    from: sql`(SELECT coalesce(${stored}, ${builtInJson}) AS policy) AS current`,
    where: sql`json(current.policy) IS NOT json(${afterJson})`,
  });
}
