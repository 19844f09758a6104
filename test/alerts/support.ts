/**
 * Helpers for the alert tests: set a tenant's settings through the API, record events through
 * the tenant's ledger, and run the rules over the sealed chain the way the events consumer does.
 */
import { env } from "cloudflare:workers";
import { and, asc, eq, isNotNull, like } from "drizzle-orm";
import { expect } from "vitest";
import { evaluateAlerts } from "../../src/alerts/rules.ts";
import {
  type AuditEvent,
  buildAuditEvent,
  type SealedAuditEvent,
  sealedAuditEventSchema,
} from "../../src/audit/events.ts";
import { auditLedger, submitAuditEvents } from "../../src/audit/ledger-client.ts";
import { database } from "../../src/db/client.ts";
import { auditEvents } from "../../src/db/schema.ts";
import type { TenantSettingsInput } from "../../src/policy/settings.ts";
import { api, call, type TestTenant } from "../support/harness.ts";

export async function putSettings(tenant: TestTenant, settings: TenantSettingsInput) {
  const response = await api(tenant, "/policy", { method: "PUT", json: { settings } });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** The tenant's chain as D1 holds it, after its ledger sealed whatever was waiting. */
export async function sealedEvents(tenantId: string): Promise<SealedAuditEvent[]> {
  await auditLedger(env, tenantId).head(tenantId);
  const rows = await database(env.DB)
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.tenantId, tenantId), isNotNull(auditEvents.seq)))
    .orderBy(asc(auditEvents.seq))
    .all();
  return rows.map((row) => sealedAuditEventSchema.parse(row));
}

/** Runs the rules over every sealed event of the tenant, in chain order, like the consumer. */
export async function evaluateChain(tenantId: string): Promise<void> {
  for (const event of await sealedEvents(tenantId)) await evaluateAlerts(env, event);
}

/** The tenant's alerts in D1, oldest trigger first. */
export async function alertsOf(tenantId: string) {
  return database(env.DB)
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.tenantId, tenantId), like(auditEvents.action, "alert.%")))
    .orderBy(asc(auditEvents.occurredAt), asc(auditEvents.id))
    .all();
}

/** Records hand-built events through the tenant's ledger, which stores and seals them. */
export async function record(tenantId: string, events: AuditEvent[]): Promise<void> {
  await submitAuditEvents(env, tenantId, events);
}

export function eventAt(
  tenantId: string,
  at: number,
  fields: Partial<Parameters<typeof buildAuditEvent>[0]> & { ip?: string; country?: string },
): AuditEvent {
  const { ip, country, ...rest } = fields;
  return buildAuditEvent(
    {
      tenantId,
      action: "download.denied",
      outcome: "denied",
      reason: "link_used_up",
      ...rest,
    },
    {
      requestId: null,
      client: { ip: ip ?? "192.0.2.1", country: country ?? null, userAgent: "test" },
      actor: null,
    },
    at,
  );
}

/** Confirms from an address and a country the edge reports, and returns the session path. */
export async function startDownload(path: string, ip: string, country?: string): Promise<string> {
  const response = await call(path, {
    method: "POST",
    redirect: "manual",
    headers: { Accept: "application/json", "CF-Connecting-IP": ip },
    ...(country ? { cf: { country } } : {}),
  } as RequestInit);
  expect(response.status, await response.clone().text()).toBe(303);
  const location = response.headers.get("Location");
  if (!location) throw new Error("303 without Location");
  return location;
}

/** A confirmation from `ip` that the link refuses. */
export async function deniedFrom(path: string, ip: string): Promise<void> {
  const response = await call(path, {
    method: "POST",
    redirect: "manual",
    headers: { Accept: "application/json", "CF-Connecting-IP": ip },
  });
  expect(response.status, await response.clone().text()).toBeGreaterThanOrEqual(400);
}
