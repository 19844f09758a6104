/** What every alert rule is given, and what it answers. */
import type { SealedAuditEvent } from "../audit/events.ts";
import type { Database } from "../db/client.ts";
import type { AlertSettings } from "../policy/settings.ts";
import type { AlertDraft } from "./alert-events.ts";

export interface RuleInput {
  db: Database;
  event: SealedAuditEvent;
  settings: AlertSettings;
}

/** Rules read D1 but never write: the caller raises whatever they answer. */
export type AlertRule = (input: RuleInput) => Promise<AlertDraft[]>;
