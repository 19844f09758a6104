/**
 * Helpers for the subject and bulk revocation tests: links bound to subjects and groups, subjects
 * written through the API, and what a link's guard and the audit say afterwards.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { linkGuard } from "../../src/links/guard-client.ts";
import { api, call, flushAudit, publish, type TestTenant, utf8 } from "../support/harness.ts";

export interface BoundLink {
  id: string;
  /** The `/d/{token}` path of the link's URL. */
  path: string;
}

export interface Binding {
  recipientSubjectId?: string;
  recipientGroup?: string;
}

export async function issueLink(
  tenant: TestTenant,
  versionId: string,
  binding: Binding = {},
): Promise<BoundLink> {
  const response = await api(tenant, "/links", {
    method: "POST",
    json: { versionId, maxUses: 2, ...binding },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  const link = await response.json<{ id: string; url: string }>();
  return { id: link.id, path: new URL(link.url).pathname };
}

export interface SubjectRequest {
  displayName?: string;
  email?: string;
  roles: string[];
  attributes: Record<string, string>;
}

export function putSubject(tenant: TestTenant | string, id: string, body: SubjectRequest) {
  return api(tenant, `/subjects/${encodeURIComponent(id)}`, { method: "PUT", json: body });
}

export function deleteSubject(tenant: TestTenant | string, id: string) {
  return api(tenant, `/subjects/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** The link's live status, as LinkGuard reports it through the API. */
export async function linkStatus(tenant: TestTenant, linkId: string): Promise<string> {
  const response = await api(tenant, `/links/${linkId}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json<{ status: string }>()).status;
}

export async function statuses(tenant: TestTenant, links: readonly BoundLink[]) {
  return Promise.all(links.map((link) => linkStatus(tenant, link.id)));
}

export interface AuditRow {
  action: string;
  outcome: string;
  reason: string | null;
  actor: string | null;
  linkId: string | null;
  versionId: string | null;
  requestId: string | null;
  detail: Record<string, unknown> | null;
}

/** The link's `link.revoked` events, once its guard's outbox reached D1. */
export async function revocationsOf(tenant: TestTenant, linkId: string): Promise<AuditRow[]> {
  await flushAudit(linkId);
  const response = await api(tenant, `/audit?linkId=${linkId}&action=link.revoked`);
  expect(response.status).toBe(200);
  return (await response.json<{ events: AuditRow[] }>()).events;
}

export async function auditOf(tenant: TestTenant, action: string): Promise<AuditRow[]> {
  const response = await api(tenant, `/audit?action=${action}`);
  expect(response.status).toBe(200);
  return (await response.json<{ events: AuditRow[] }>()).events;
}

/** What a recipient's API client is told when it tries to confirm the link. */
export async function confirmCode(path: string): Promise<{ status: number; code?: string }> {
  const response = await call(path, {
    method: "POST",
    redirect: "manual",
    headers: { Accept: "application/json" },
  });
  if (response.status === 303) return { status: 303 };
  return { status: response.status, code: (await response.json<{ code: string }>()).code };
}

/** Makes the link's guard fail every call, as an unreachable Durable Object would. */
export async function breakGuard(linkId: string): Promise<void> {
  await runInDurableObject(linkGuard(env, linkId), (_instance, state) => {
    state.storage.sql.exec("UPDATE link SET record = 'unreadable'");
  });
}

export interface SubjectBody {
  id: string;
  displayName: string | null;
  email: string | null;
  roles: string[];
  attributes: Record<string, string>;
  active: boolean;
  createdAt: string;
  updatedAt: string;
  deactivatedAt: string | null;
}

export interface ChangeBody {
  subject: SubjectBody;
  linksRevoked: number;
}

export const ALICE = "okta|00u1alice";
export const CLINICIAN: SubjectRequest = {
  displayName: "Dr Alice Moreau",
  email: "Alice.Moreau@Example.org",
  roles: ["cardiology", "research"],
  attributes: { facility: "st-anne", carePanel: "heart-failure" },
};

export async function saved(response: Response, status: 200 | 201): Promise<ChangeBody> {
  expect(response.status, await response.clone().text()).toBe(status);
  return response.json();
}

export async function versionOf(tenant: TestTenant) {
  return (await publish(tenant, utf8("ward 4 risk"))).versionId;
}
