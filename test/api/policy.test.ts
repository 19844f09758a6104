import { describe, expect, it } from "vitest";
import * as client from "../../src/client/types.ts";
import { BUILT_IN_POLICY, type ClassPolicy } from "../../src/policy/classes.ts";
import { DEFAULT_SETTINGS } from "../../src/policy/settings.ts";
import { api, issue, seedTenant } from "../support/harness.ts";
import {
  ALL_BUILT_IN,
  equalPolicies,
  getPolicy,
  internalVersion,
  linkState,
  policyEvents,
  putPolicy,
  setPolicy,
  tighterInternal,
  UNCHANGED,
} from "./policy-fixtures.ts";

describe("GET /v1/policy", () => {
  it("shows the built-in policy of every class for a tenant that set none", async () => {
    const tenant = await seedTenant();
    expect(await getPolicy(tenant)).toEqual(UNCHANGED);
  });

  it("answers in the shape the TypeScript client reads", async () => {
    const tenant = await seedTenant();
    await setPolicy(tenant, { internal: tighterInternal });
    const parsed = client.tenantPolicySchema.safeParse(await getPolicy(tenant));
    expect(parsed.error?.issues).toBeUndefined();
  });
});

describe("PUT /v1/policy", () => {
  it("replaces only the classes given and answers the new effective policy", async () => {
    const tenant = await seedTenant();
    const response = await setPolicy(tenant, { internal: tighterInternal });

    const expected = {
      classes: { ...BUILT_IN_POLICY, internal: tighterInternal },
      sources: { ...ALL_BUILT_IN, internal: "tenant" },
      settings: DEFAULT_SETTINGS,
    };
    expect(await response.json()).toEqual(expected);
    expect(await getPolicy(tenant)).toEqual(expected);
  });

  it("audits each changed class: its whole policy before and after, and the actor", async () => {
    const tenant = await seedTenant({ principal: "policy-admin" });
    const restricted = { ...BUILT_IN_POLICY.restricted, summary: "Restricted: ward staff only." };

    // Public is given unchanged: only the two classes that change are audited.
    const first = await setPolicy(tenant, {
      public: BUILT_IN_POLICY.public,
      internal: tighterInternal,
      restricted,
    });
    const loosened = { ...tighterInternal, maxUses: 50 };
    const second = await setPolicy(tenant, { internal: loosened });

    const events = await policyEvents(tenant);
    const byRequest = (response: Response) =>
      events.filter((event) => event.requestId === response.headers.get("Portcullis-Request-Id"));
    expect(
      byRequest(first).sort((a, b) => (a.detail?.class ?? "").localeCompare(b.detail?.class ?? "")),
    ).toEqual([
      expect.objectContaining({
        outcome: "succeeded",
        actor: "policy-admin",
        linkId: null,
        detail: { class: "internal", before: BUILT_IN_POLICY.internal, after: tighterInternal },
      }),
      expect.objectContaining({
        actor: "policy-admin",
        detail: { class: "restricted", before: BUILT_IN_POLICY.restricted, after: restricted },
      }),
    ]);
    expect(byRequest(second)).toEqual([
      expect.objectContaining({
        actor: "policy-admin",
        detail: { class: "internal", before: tighterInternal, after: loosened },
      }),
    ]);
    expect(events).toHaveLength(3);
  });

  it("concurrent changes to one class leave an unbroken chain of before and after", async () => {
    const tenant = await seedTenant();
    const policies = [3, 4, 5, 6].map((maxUses) => ({ ...tighterInternal, maxUses }));

    await Promise.all(policies.map((internal) => setPolicy(tenant, { internal })));

    // Events carry the time each request began, not when its write landed, so follow the chain
    // by content: from the built-in policy, each event's before is the after of another.
    const events = await policyEvents(tenant);
    expect(events).toHaveLength(4);
    let current: ClassPolicy = BUILT_IN_POLICY.internal;
    const unused = events.map((event) => event.detail);
    while (unused.length > 0) {
      const next = unused.findIndex((detail) => equalPolicies(detail?.before, current));
      expect(next, "an event continues the chain").toBeGreaterThanOrEqual(0);
      current = unused.splice(next, 1)[0]?.after ?? current;
    }
    expect((await getPolicy(tenant)).classes.internal).toEqual(current);
  });

  it("a PUT that changes nothing writes no event and keeps the class built-in", async () => {
    const tenant = await seedTenant();
    const response = await setPolicy(tenant, {
      public: BUILT_IN_POLICY.public,
      "patient-linked": BUILT_IN_POLICY["patient-linked"],
    });

    expect(await response.json()).toEqual(UNCHANGED);
    await setPolicy(tenant, {});
    await setPolicy(tenant, { internal: tighterInternal });
    await setPolicy(tenant, { internal: tighterInternal });
    expect((await policyEvents(tenant)).map((event) => event.detail?.class)).toEqual(["internal"]);
  });

  it.each([
    {
      case: "a default above the maximum",
      field: "classes.internal.defaultUses",
      classes: { internal: { ...BUILT_IN_POLICY.internal, defaultUses: 101 } },
      message: /default number of uses may not exceed the maximum/,
    },
    {
      case: "a default lifetime above the maximum",
      field: "classes.restricted.defaultTtlSeconds",
      classes: { restricted: { ...BUILT_IN_POLICY.restricted, defaultTtlSeconds: 4 * 86_400 } },
      message: /default lifetime may not exceed the maximum/,
    },
    {
      case: "an unknown field",
      field: "classes.internal",
      classes: { internal: { ...BUILT_IN_POLICY.internal, maxDownloads: 3 } },
      message: /maxDownloads/,
    },
    {
      case: "a lifetime under 60 seconds",
      field: "classes.internal.defaultTtlSeconds",
      classes: { internal: { ...BUILT_IN_POLICY.internal, defaultTtlSeconds: 30 } },
      message: /60/,
    },
    {
      case: "an empty summary",
      field: "classes.public.summary",
      classes: { public: { ...BUILT_IN_POLICY.public, summary: "" } },
      message: /./,
    },
    {
      case: "a missing field",
      field: "classes.patient-linked.maxUses",
      classes: { "patient-linked": { ...BUILT_IN_POLICY["patient-linked"], maxUses: undefined } },
      message: /./,
    },
    {
      case: "zero uses",
      field: "classes.patient-linked.maxUses",
      classes: { "patient-linked": { ...BUILT_IN_POLICY["patient-linked"], maxUses: 0 } },
      message: /./,
    },
    {
      case: "an unknown class",
      field: "classes",
      classes: { secret: BUILT_IN_POLICY.restricted },
      message: /secret/,
    },
  ] as { case: string; field: string; classes: Record<string, unknown>; message: RegExp }[])(
    "refuses $case with 400 naming $field, and changes nothing",
    async ({ classes, field, message }) => {
      const tenant = await seedTenant();
      const response = await putPolicy(tenant, {
        ...classes,
        // A valid change alongside: a PUT is applied whole or not at all.
        public: (classes as Record<string, unknown>).public ?? {
          ...BUILT_IN_POLICY.public,
          maxUses: 50,
        },
      });

      expect(response.status).toBe(400);
      const problem = await response.json<{
        code: string;
        issues: { field: string; message: string }[];
      }>();
      expect(problem.code).toBe("invalid_request");
      expect(problem.issues).toContainEqual({ field, message: expect.stringMatching(message) });
      expect(await getPolicy(tenant)).toEqual(UNCHANGED);
      expect(await policyEvents(tenant)).toEqual([]);
    },
  );

  it("refuses a body with neither classes nor settings", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/policy", { method: "PUT", json: {} });
    expect(response.status).toBe(400);
    const problem = await response.json<{ code: string; issues: unknown[] }>();
    expect(problem.code).toBe("invalid_request");
    expect(problem.issues).toEqual([
      { field: "(root)", message: "Give `classes`, `settings` or both." },
    ]);
  });

  it("refuses class policies given at the top level instead of under classes", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/policy", { method: "PUT", json: BUILT_IN_POLICY });
    expect(response.status).toBe(400);
    const problem = await response.json<{ issues: { field: string; message: string }[] }>();
    expect(problem.issues).toContainEqual({
      field: "(root)",
      message: expect.stringMatching(/unrecognized key/i),
    });
    expect(await getPolicy(tenant)).toEqual(UNCHANGED);
  });

  it("one tenant's change never reaches another tenant", async () => {
    const changer = await seedTenant();
    const bystander = await seedTenant();
    await setPolicy(changer, { internal: tighterInternal });

    expect(await getPolicy(bystander)).toEqual(UNCHANGED);
    const version = await internalVersion(bystander);
    const link = await issue(bystander, version.versionId, { maxUses: 100 });
    expect(await linkState(bystander, link.id)).toMatchObject({ maxUses: 100 });
    expect(await policyEvents(bystander)).toEqual([]);
    expect(await policyEvents(changer)).toHaveLength(1);
  });
});

describe("DELETE /v1/policy/{class}", () => {
  it("returns the class to the built-in policy, audited like any change", async () => {
    const tenant = await seedTenant({ principal: "policy-admin" });
    await setPolicy(tenant, { internal: tighterInternal, restricted: BUILT_IN_POLICY.public });

    const response = await api(tenant, "/policy/internal", { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      classes: { ...BUILT_IN_POLICY, restricted: BUILT_IN_POLICY.public },
      sources: { ...ALL_BUILT_IN, restricted: "tenant" },
      settings: DEFAULT_SETTINGS,
    });

    const [reset] = await policyEvents(tenant);
    expect(reset).toMatchObject({
      actor: "policy-admin",
      requestId: response.headers.get("Portcullis-Request-Id"),
      detail: { class: "internal", before: tighterInternal, after: BUILT_IN_POLICY.internal },
    });

    const version = await internalVersion(tenant);
    const link = await issue(tenant, version.versionId, { maxUses: 100 });
    expect(await linkState(tenant, link.id)).toMatchObject({ maxUses: 100 });
  });

  it("resetting a class that is built-in already changes nothing and writes no event", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/policy/patient-linked", { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(UNCHANGED);
    expect(await policyEvents(tenant)).toEqual([]);
  });

  it("refuses an unknown class with 400", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/policy/secret", { method: "DELETE" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });
});
