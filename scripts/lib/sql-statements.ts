/**
 * SQL the operator scripts run through `wrangler d1 execute`, which takes no bound values: every
 * value is written as a quoted literal. The scripts make keys outside the Worker, so they write
 * the `key.created` audit event themselves; the ledger seals it into the chain like any other.
 */
import { SCOPES } from "../../src/identity/api-keys.ts";
import { newId } from "../../src/ids.ts";

/** A SQL string literal: the value quoted, with its quotes doubled. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export interface NewAdminKey {
  tenantId: string;
  keyId: string;
  principal: string;
  secretHash: string;
  /** Who made the key, as the audit event's actor, e.g. "tenant:create". */
  actor: string;
  now: number;
}

/** The key's row with every scope, and the audit event that records its creation. */
export function adminKeyStatements(key: NewAdminKey): string[] {
  const { tenantId, keyId, principal, secretHash, actor, now } = key;
  const detail = { keyId, name: principal, scopes: SCOPES };
  return [
    "INSERT INTO api_keys (id, tenant_id, principal, secret_hash, scopes, created_at) VALUES (" +
      `${literal(keyId)}, ${literal(tenantId)}, ${literal(principal)}, ` +
      `${literal(secretHash)}, ${literal(JSON.stringify(SCOPES))}, ${now});`,
    "INSERT INTO audit_events (id, occurred_at, tenant_id, action, outcome, actor, detail) " +
      "VALUES (" +
      `${literal(newId("event"))}, ${now}, ${literal(tenantId)}, 'key.created', 'succeeded', ` +
      `${literal(actor)}, ${literal(JSON.stringify(detail))});`,
  ];
}
