/**
 * Reading and changing a tenant's settings (src/policy/settings.ts). A tenant without a row has
 * the defaults. A change is written with its `settings.changed` audit event, holding the whole
 * settings before and after, in one D1 batch.
 */
import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { buildAuditEvent, type EventOrigin } from "../audit/events.ts";
import type { Database } from "../db/client.ts";
import { tenantSettings } from "../db/schema.ts";
import { createLogger } from "../http/logger.ts";
import { insertChangeEvent } from "./change-events.ts";
import {
  alertSettingsSchema,
  auditRetentionDaysSchema,
  DEFAULT_SETTINGS,
  MAX_AUDIT_RETENTION_DAYS,
  type TenantSettings,
  tenantSettingsSchema,
} from "./settings.ts";

/** Settings as JSON with members in schema order, so equal settings have equal text. */
export function canonicalSettingsJson(settings: TenantSettings): string {
  return JSON.stringify(tenantSettingsSchema.parse(settings));
}

/**
 * The tenant's effective settings: its stored ones with defaults for anything they lack. The
 * audit pruning reads `auditRetentionDays` here, the alert rules read `alerts`.
 */
export async function loadTenantSettings(db: Database, tenantId: string): Promise<TenantSettings> {
  const row = await db
    .select({ settings: tenantSettings.settings })
    .from(tenantSettings)
    .where(eq(tenantSettings.tenantId, tenantId))
    .get();
  if (!row) return structuredClone(DEFAULT_SETTINGS);

  const parsed = tenantSettingsSchema.safeParse(row.settings);
  if (parsed.success) return parsed.data;
  return salvage(row.settings, tenantId);
}

/**
 * A stored row that no longer passes the schema (only possible after a stricter release) is read
 * member by member. A bad `alerts` falls back to the defaults, which alert on everything they
 * can; a bad `auditRetentionDays` to the longest retention allowed, so a bad row can never make
 * the pruning delete audit events the tenant meant to keep.
 */
function salvage(stored: Record<string, unknown>, tenantId: string): TenantSettings {
  createLogger({ component: "settings" }).error("stored settings invalid; salvaging", {
    tenantId,
  });
  const alerts = alertSettingsSchema.safeParse(stored.alerts);
  const retention = auditRetentionDaysSchema.safeParse(stored.auditRetentionDays);
  return {
    alerts: alerts.success ? alerts.data : structuredClone(DEFAULT_SETTINGS.alerts),
    auditRetentionDays: retention.success ? retention.data : MAX_AUDIT_RETENTION_DAYS,
  };
}

/**
 * The statements that store new settings and record `settings.changed`, for the caller's batch.
 * `before` is read inside the batch, so when two admins change the settings at once each event
 * holds what its own write replaced, and a write that changes nothing records no event.
 */
export function settingsChangeStatements(
  db: Database,
  tenantId: string,
  settings: TenantSettings,
  origin: EventOrigin & { actor: string },
  now: number,
): BatchItem<"sqlite">[] {
  const afterJson = canonicalSettingsJson(settings);
  const event = buildAuditEvent(
    { tenantId, action: "settings.changed", outcome: "succeeded" },
    origin,
    now,
  );
  const stored = sql`(SELECT ${tenantSettings.settings} FROM ${tenantSettings}
    WHERE ${tenantSettings.tenantId} = ${tenantId})`;
  const defaultsJson = canonicalSettingsJson(DEFAULT_SETTINGS);
  const recordChange = insertChangeEvent(db, event, {
    detail: sql`json_object('before', json(current.settings), 'after', json(${afterJson}))`,
    from: sql`(SELECT coalesce(${stored}, ${defaultsJson}) AS settings) AS current`,
    where: sql`json(current.settings) IS NOT json(${afterJson})`,
  });

  const row = { settings: JSON.parse(afterJson), updatedBy: origin.actor, updatedAt: now };
  const upsert = db
    .insert(tenantSettings)
    .values({ tenantId, ...row })
    .onConflictDoUpdate({ target: tenantSettings.tenantId, set: row });
  return [recordChange, upsert];
}
