/** Helpers of the API key tests: creating, listing and revoking keys, and reading their audit. */
import { expect } from "vitest";
import { api, type TestTenant } from "../support/harness.ts";

export interface KeyBody {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
  createdBy: string | null;
}

export type CreatedKey = KeyBody & { key: string };

export interface AuditRow {
  action: string;
  outcome: string;
  actor: string | null;
  requestId: string | null;
  detail: Record<string, unknown> | null;
}

export async function createKey(
  admin: TestTenant,
  name: string,
  scopes: string[],
): Promise<CreatedKey> {
  const response = await api(admin, "/keys", { method: "POST", json: { name, scopes } });
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}

export async function listKeys(tenantOrKey: TestTenant | string): Promise<KeyBody[]> {
  const response = await api(tenantOrKey, "/keys");
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json<{ keys: KeyBody[] }>()).keys;
}

export function revoke(tenantOrKey: TestTenant | string, keyId: string): Promise<Response> {
  return api(tenantOrKey, `/keys/${keyId}/revoke`, { method: "POST" });
}

export async function auditOf(admin: TestTenant, action: string): Promise<AuditRow[]> {
  const response = await api(admin, `/audit?action=${action}`);
  expect(response.status).toBe(200);
  return (await response.json<{ events: AuditRow[] }>()).events;
}
