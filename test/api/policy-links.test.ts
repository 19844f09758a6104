/**
 * A policy change governs links issued after it; links issued before keep the terms they were
 * issued under, whether the change tightens or loosens.
 */
import { describe, expect, it } from "vitest";
import * as client from "../../src/client/types.ts";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import { api, confirm, issue, seedTenant } from "../support/harness.ts";
import { internalVersion, linkState, setPolicy, tighterInternal } from "./policy-fixtures.ts";

describe("links and policy changes", () => {
  it("links issued after a change obey it: beyond the new maximum is refused", async () => {
    const tenant = await seedTenant();
    const version = await internalVersion(tenant);
    await setPolicy(tenant, { internal: tighterInternal });

    const refused = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: version.versionId, maxUses: 4 },
    });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      code: "policy_violation",
      rule: "max_uses",
      allowed: 3,
      class: "internal",
    });

    const atMaximum = await issue(tenant, version.versionId, { maxUses: 3 });
    expect(await linkState(tenant, atMaximum.id)).toMatchObject({ maxUses: 3 });
    const byDefault = await issue(tenant, version.versionId);
    expect(await linkState(tenant, byDefault.id)).toMatchObject({ maxUses: 2 });
  });

  it("a link issued before a tightening keeps its terms and downloads with its uses", async () => {
    const tenant = await seedTenant();
    const version = await internalVersion(tenant);
    const before = await issue(tenant, version.versionId, { maxUses: 5 });

    await setPolicy(tenant, {
      internal: { ...BUILT_IN_POLICY.internal, defaultUses: 1, maxUses: 1, approvalRequired: true },
    });

    expect(await linkState(tenant, before.id)).toMatchObject({
      status: "active",
      maxUses: 5,
      usesLeft: 5,
      expiresAt: before.expiresAt,
      approval: { status: "not_required" },
    });
    for (let use = 0; use < 5; use += 1) expect((await confirm(before.path)).status).toBe(303);
    expect(await linkState(tenant, before.id)).toMatchObject({ status: "used_up", usesSpent: 5 });

    const after = await issue(tenant, version.versionId);
    const pending = await linkState(tenant, after.id);
    expect(pending).toMatchObject({ status: "pending_approval", maxUses: 1 });
    // The client's contract accepts the pending link as the server answers it.
    expect(client.linkSchema.safeParse(pending).error?.issues).toBeUndefined();
  });

  it("a loosening does not change existing links either", async () => {
    const tenant = await seedTenant();
    const version = await internalVersion(tenant);
    const before = await issue(tenant, version.versionId, { maxUses: 1, ttlSeconds: 3600 });

    await setPolicy(tenant, {
      internal: {
        ...BUILT_IN_POLICY.internal,
        defaultTtlSeconds: 30 * 86_400,
        maxTtlSeconds: 30 * 86_400,
        defaultUses: 1000,
        maxUses: 1000,
        retriesAfterLapse: 5,
      },
    });

    expect((await confirm(before.path)).status).toBe(303);
    const again = await confirm(before.path);
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ code: "link_used_up" });
    expect(await linkState(tenant, before.id)).toMatchObject({
      maxUses: 1,
      expiresAt: before.expiresAt,
    });
  });
});
