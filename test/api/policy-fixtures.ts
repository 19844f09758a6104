/** Reading and changing a tenant's policy through the API, for the policy tests. */
import { expect } from "vitest";
import { BUILT_IN_POLICY, type ClassPolicy } from "../../src/policy/classes.ts";
import { DEFAULT_SETTINGS } from "../../src/policy/settings.ts";
import { api, publish, type TestTenant, utf8 } from "../support/harness.ts";

export interface PolicyBody {
  classes: Record<string, ClassPolicy>;
  sources: Record<string, "built-in" | "tenant">;
}

export interface PolicyEvent {
  action: string;
  outcome: string;
  actor: string | null;
  requestId: string | null;
  linkId: string | null;
  detail: { class: string; before: ClassPolicy; after: ClassPolicy } | null;
}

export const ALL_BUILT_IN = {
  public: "built-in",
  internal: "built-in",
  restricted: "built-in",
  "patient-linked": "built-in",
};

/** What a tenant that changed nothing reads: built-in classes and default settings. */
export const UNCHANGED = {
  classes: BUILT_IN_POLICY,
  sources: ALL_BUILT_IN,
  settings: DEFAULT_SETTINGS,
};

export async function getPolicy(tenant: TestTenant): Promise<PolicyBody> {
  const response = await api(tenant, "/policy");
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

export async function putPolicy(tenant: TestTenant, classes: Record<string, unknown>) {
  return api(tenant, "/policy", { method: "PUT", json: { classes } });
}

export async function setPolicy(tenant: TestTenant, classes: Record<string, ClassPolicy>) {
  const response = await putPolicy(tenant, classes);
  expect(response.status, await response.clone().text()).toBe(200);
  return response;
}

export async function policyEvents(tenant: TestTenant): Promise<PolicyEvent[]> {
  const response = await api(tenant, "/audit?action=policy.changed");
  expect(response.status).toBe(200);
  return (await response.json<{ events: PolicyEvent[] }>()).events;
}

export async function internalVersion(tenant: TestTenant) {
  return publish(tenant, utf8("ward 4, internal"), { class: "internal" });
}

export async function linkState(tenant: TestTenant, linkId: string) {
  return (await api(tenant, `/links/${linkId}`)).json<Record<string, unknown>>();
}

export const equalPolicies = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export const tighterInternal: ClassPolicy = {
  ...BUILT_IN_POLICY.internal,
  defaultUses: 2,
  maxUses: 3,
};
