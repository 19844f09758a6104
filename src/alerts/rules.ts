/**
 * The alert rules, evaluated for each sealed event as its tenant's ledger publishes it (see
 * src/events/consumer.ts). Each rule decides from the event and D1 alone, by the event's own
 * time, never the clock: evaluating an event late, or again after a redelivery, gives the same
 * answer. Alerts are written through the tenant's ledger, which stores them durably, seals them
 * and publishes them like any other event (so webhooks deliver them).
 *
 * Alerts never trigger alerts, and events that no tenant owns are never evaluated.
 */
import type { SealedAuditEvent } from "../audit/events.ts";
import { submitAuditEvents } from "../audit/ledger-client.ts";
import { database } from "../db/client.ts";
import { loadTenantSettings } from "../policy/settings-store.ts";
import { buildAlert } from "./alert-events.ts";
import { outsideHours } from "./outside-hours.ts";
import { repeatedDenials } from "./repeated-denials.ts";
import type { AlertRule } from "./rule.ts";
import { secondAddress } from "./second-address.ts";
import { unusualLocation } from "./unusual-location.ts";

/** The rules each action can trigger; other actions cost nothing, not even a settings read. */
const RULES: Partial<Record<SealedAuditEvent["action"], AlertRule[]>> = {
  "download.denied": [repeatedDenials],
  "download.started": [unusualLocation, outsideHours],
  "download.address_changed": [secondAddress],
};

export async function evaluateAlerts(env: Env, event: SealedAuditEvent): Promise<void> {
  const rules = RULES[event.action];
  if (!rules || event.tenantId === null || event.action.startsWith("alert.")) return;

  const db = database(env.DB);
  const { alerts: settings } = await loadTenantSettings(db, event.tenantId);
  const verdicts = await Promise.all(rules.map((rule) => rule({ db, event, settings })));
  const drafts = verdicts.flat();
  if (drafts.length === 0) return;

  const alerts = await Promise.all(drafts.map((draft) => buildAlert(event, draft)));
  await submitAuditEvents(env, event.tenantId, alerts);
}
