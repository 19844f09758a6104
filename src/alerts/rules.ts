/** Alert rules, evaluated for each sealed event as it is published. */
import type { SealedAuditEvent } from "../audit/events.ts";

export async function evaluateAlerts(_env: Env, _event: SealedAuditEvent): Promise<void> {}
