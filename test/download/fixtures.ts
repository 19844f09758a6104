/**
 * Helpers for the download session tests: a fresh one-use link with its session, and what the
 * link's status and audit say afterwards.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import {
  api,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  type TestTenant,
} from "../support/harness.ts";

export const KIB = 1024;

export interface AuditRow {
  id: string;
  action: string;
  outcome: string;
  reason: string | null;
  bytesServed: number | null;
}

export interface Fixture {
  tenant: TestTenant;
  bytes: Uint8Array;
  versionId: string;
  linkId: string;
  linkPath: string;
  sessionPath: string;
}

/** A fresh tenant, the 2 MB HRRP CSV as a restricted file, a one-use link and its session. */
export async function openSession(): Promise<Fixture> {
  const tenant = await seedTenant();
  const bytes = new Uint8Array(env.SAMPLE_HRRP_CSV);
  const version = await publish(tenant, bytes, { class: "restricted", filename: "hrrp.csv" });
  const link = await issue(tenant, version.versionId, { maxUses: 1 });
  const sessionPath = await confirmAndGetSessionPath(link.path);
  return {
    tenant,
    bytes,
    versionId: version.versionId,
    linkId: link.id,
    linkPath: link.path,
    sessionPath,
  };
}

export async function linkState(tenant: TestTenant, linkId: string) {
  const response = await api(tenant, `/links/${linkId}`);
  expect(response.status).toBe(200);
  return response.json<{ status: string; usesSpent: number; usesLeft: number }>();
}

export async function auditOf(tenant: TestTenant, linkId: string): Promise<AuditRow[]> {
  await flushAudit(linkId);
  const response = await api(tenant, `/audit?linkId=${linkId}&limit=500`);
  expect(response.status).toBe(200);
  return (await response.json<{ events: AuditRow[] }>()).events;
}

export async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

export async function problem(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  return response.json<{ code: string; status: number }>();
}
