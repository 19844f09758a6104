import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { links } from "../../src/db/schema.ts";
import { newId } from "../../src/ids.ts";
import { LONGEST_SESSION_MS } from "../../src/links/bulk-revocation.ts";
import { linkGuard } from "../../src/links/guard-client.ts";
import { BUILT_IN_POLICY, classPolicySchema } from "../../src/policy/classes.ts";
import {
  auditOf,
  type BoundLink,
  breakGuard,
  confirmCode,
  issueLink,
  putSubject,
  revocationsOf,
  statuses,
} from "../subjects/fixtures.ts";
import {
  addKey,
  api,
  call,
  confirmAndGetSessionPath,
  publish,
  seedTenant,
  type TestTenant,
  utf8,
} from "../support/harness.ts";

const EMERGENCY = { everything: true, confirm: "revoke all links" };

function revoke(tenant: TestTenant | string, body: Record<string, unknown>) {
  return api(tenant, "/revocations", { method: "POST", json: body });
}

async function revoked(response: Response) {
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<{ linksRevoked: number; alreadyInactive: number }>();
}

/** A tenant with two objects: `risk` (versions 1 and 2) and `census` (version 1), and links. */
async function fixture() {
  const tenant = await seedTenant();
  const risk1 = await publish(tenant, utf8("risk v1"), { name: "risk" });
  const risk2 = await publish(tenant, utf8("risk v2"), { name: "risk" });
  const census = await publish(tenant, utf8("census"), { name: "census" });
  const linked = {
    risk1a: await issueLink(tenant, risk1.versionId),
    risk1b: await issueLink(tenant, risk1.versionId, { recipientSubjectId: "okta|alice" }),
    risk2: await issueLink(tenant, risk2.versionId),
    census: await issueLink(tenant, census.versionId, { recipientSubjectId: "okta|alice" }),
    censusBob: await issueLink(tenant, census.versionId, { recipientSubjectId: "okta|bob" }),
  };
  const all: BoundLink[] = Object.values(linked);
  return { tenant, versions: { risk1, risk2, census }, links: linked, all };
}

describe("POST /v1/revocations by selector", () => {
  it("by version revokes every link to that version and no other", async () => {
    const { tenant, versions, links, all } = await fixture();

    const counts = await revoked(await revoke(tenant, { versionId: versions.risk1.versionId }));

    expect(counts).toEqual({ linksRevoked: 2, alreadyInactive: 0 });
    expect(await statuses(tenant, [links.risk1a, links.risk1b])).toEqual(["revoked", "revoked"]);
    expect(await statuses(tenant, all.slice(2))).toEqual(["active", "active", "active"]);
  });

  it("by object revokes the links to every version of the object", async () => {
    const { tenant, links } = await fixture();

    const counts = await revoked(await revoke(tenant, { objectName: "risk" }));

    expect(counts).toEqual({ linksRevoked: 3, alreadyInactive: 0 });
    expect(await statuses(tenant, [links.risk1a, links.risk1b, links.risk2, links.census])).toEqual(
      ["revoked", "revoked", "revoked", "active"],
    );
  });

  it("by subject revokes the links bound to the subject, registered or not", async () => {
    const { tenant, links } = await fixture();

    const counts = await revoked(await revoke(tenant, { subjectId: "okta|alice" }));

    expect(counts).toEqual({ linksRevoked: 2, alreadyInactive: 0 });
    expect(await statuses(tenant, [links.risk1b, links.census, links.censusBob])).toEqual([
      "revoked",
      "revoked",
      "active",
    ]);
  });

  it("each link is audited by its guard with the selector's reason and caller's note", async () => {
    const { tenant, versions, links } = await fixture();
    await revoked(await revoke(tenant, { objectName: "census", note: "wrong cohort" }));
    await revoked(await revoke(tenant, { versionId: versions.risk2.versionId }));
    await revoked(await revoke(tenant, { subjectId: "okta|alice" }));

    expect(await revocationsOf(tenant, links.census.id)).toEqual([
      expect.objectContaining({
        reason: "bulk_by_object",
        actor: tenant.principal,
        detail: expect.objectContaining({ note: "wrong cohort" }),
      }),
    ]);
    expect((await revocationsOf(tenant, links.risk2.id))[0]?.reason).toBe("bulk_by_version");
    expect((await revocationsOf(tenant, links.risk1b.id))[0]?.reason).toBe("bulk_by_subject");
  });

  it("records one links.bulk_revoked summary with actor, selector and counts", async () => {
    const { tenant, versions } = await fixture();
    await revoked(
      await revoke(tenant, { versionId: versions.risk1.versionId, note: "model recalled" }),
    );

    expect(await auditOf(tenant, "links.bulk_revoked")).toEqual([
      expect.objectContaining({
        outcome: "succeeded",
        reason: "bulk_by_version",
        actor: tenant.principal,
        versionId: versions.risk1.versionId,
        linkId: null,
        detail: {
          selector: { versionId: versions.risk1.versionId },
          linksRevoked: 2,
          alreadyInactive: 0,
          linksFailed: 0,
          note: "model recalled",
        },
      }),
    ]);
  });

  it("asking again revokes nothing more: revoked links count as already inactive", async () => {
    const { tenant, links } = await fixture();
    await revoked(await revoke(tenant, { objectName: "risk" }));

    const again = await revoked(await revoke(tenant, { objectName: "risk" }));

    expect(again).toEqual({ linksRevoked: 0, alreadyInactive: 3 });
    expect(await revocationsOf(tenant, links.risk1a.id)).toHaveLength(1);
    expect(await auditOf(tenant, "links.bulk_revoked")).toHaveLength(2);
  });

  it("a link revoked before is not counted as revoked, and keeps its own reason", async () => {
    const { tenant, versions, links } = await fixture();
    await api(tenant, `/links/${links.risk1a.id}/revoke`, { method: "POST" });

    const counts = await revoked(await revoke(tenant, { versionId: versions.risk1.versionId }));

    expect(counts).toEqual({ linksRevoked: 1, alreadyInactive: 1 });
    expect(await revocationsOf(tenant, links.risk1a.id)).toEqual([
      expect.objectContaining({ reason: "revoked_by_issuer" }),
    ]);
  });

  it("a failing guard stops none of the others: 500, the summary records the failure", async () => {
    const { tenant, links } = await fixture();
    await breakGuard(links.risk1b.id);

    const response = await revoke(tenant, { objectName: "risk" });

    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({
      code: "internal_error",
      linksRevoked: 2,
      alreadyInactive: 0,
      linksFailed: 1,
    });
    expect(await statuses(tenant, [links.risk1a, links.risk2])).toEqual(["revoked", "revoked"]);
    expect(await auditOf(tenant, "links.bulk_revoked")).toEqual([
      expect.objectContaining({
        outcome: "failed",
        detail: expect.objectContaining({ linksRevoked: 2, linksFailed: 1 }),
      }),
    ]);
  });

  it("revoked links answer 410 link_revoked at /d/, to API clients and browsers", async () => {
    const { tenant, links } = await fixture();
    await revoked(await revoke(tenant, { objectName: "risk" }));

    expect(await confirmCode(links.risk1a.path)).toEqual({ status: 410, code: "link_revoked" });
    const page = await call(links.risk2.path, { headers: { Accept: "text/html" } });
    expect(page.status).toBe(410);
    expect(await page.text()).toMatch(/revoked/i);
  });

  it("ends a download session that is open, from the next request on", async () => {
    const { tenant, links } = await fixture();
    const session = await confirmAndGetSessionPath(links.risk2.path);
    expect((await call(session)).status).toBe(200);

    await revoked(await revoke(tenant, { objectName: "risk" }));

    const after = await call(session, { headers: { Accept: "application/json" } });
    expect(after.status).toBe(410);
    expect(await after.json()).toMatchObject({ code: "link_revoked" });
  });

  it("by version or object also revokes the links to bundles that hold it", async () => {
    const { tenant, versions, links } = await fixture();
    const created = await api(tenant, "/bundles", {
      method: "POST",
      json: {
        name: "quarterly",
        versionIds: [versions.census.versionId, versions.risk2.versionId],
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { bundleId } = await created.json<{ bundleId: string }>();
    const issued = await api(tenant, "/links", { method: "POST", json: { bundleId } });
    expect(issued.status, await issued.clone().text()).toBe(201);
    const bundled = { id: (await issued.json<{ id: string }>()).id, path: "" };

    const counts = await revoked(await revoke(tenant, { versionId: versions.risk2.versionId }));

    expect(counts).toEqual({ linksRevoked: 2, alreadyInactive: 0 });
    expect(await statuses(tenant, [bundled, links.risk2, links.census])).toEqual([
      "revoked",
      "revoked",
      "active",
    ]);
    expect(await revoked(await revoke(tenant, { objectName: "census" }))).toEqual({
      linksRevoked: 2,
      alreadyInactive: 1,
    });
  });

  it("settles a link that expired more than a day ago from the record alone", async () => {
    const { tenant, versions, links: linked } = await fixture();
    await database(env.DB)
      .update(links)
      .set({ expiresAt: Date.now() - LONGEST_SESSION_MS - 1000 })
      .where(eq(links.id, linked.risk1a.id));

    const counts = await revoked(await revoke(tenant, { versionId: versions.risk1.versionId }));

    expect(counts).toEqual({ linksRevoked: 1, alreadyInactive: 1 });
    expect((await linkGuard(env, linked.risk1a.id).state())?.revokedAt).toBeNull();
  });

  it("no class policy allows a session to outlast its link by more than that day", () => {
    const longer = { ...BUILT_IN_POLICY.internal, sessionGraceSeconds: LONGEST_SESSION_MS / 1000 };
    expect(classPolicySchema.safeParse(longer).success).toBe(true);
    longer.sessionGraceSeconds += 1;
    expect(classPolicySchema.safeParse(longer).success).toBe(false);
  });
});

describe("POST /v1/revocations for the whole tenant", () => {
  it("revokes every live link of the tenant with reason emergency, none of another's", async () => {
    const mine = await fixture();
    const theirs = await fixture();

    const counts = await revoked(await revoke(mine.tenant, EMERGENCY));

    expect(counts).toEqual({ linksRevoked: 5, alreadyInactive: 0 });
    expect(await statuses(mine.tenant, mine.all)).toEqual(Array(5).fill("revoked"));
    expect(await statuses(theirs.tenant, theirs.all)).toEqual(Array(5).fill("active"));
    expect((await revocationsOf(mine.tenant, mine.links.census.id))[0]?.reason).toBe("emergency");
    const [summary] = await auditOf(mine.tenant, "links.bulk_revoked");
    expect(summary).toMatchObject({
      reason: "emergency",
      detail: { selector: { everything: true } },
    });
  });

  it("needs the admin scope: a revoke-only key gets 403 and nothing is revoked", async () => {
    const { tenant, all } = await fixture();
    const revoker = await addKey(tenant, ["revoke"]);

    const response = await revoke(revoker, EMERGENCY);

    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      code: "insufficient_scope",
      requiredScope: "admin",
    });
    expect(await statuses(tenant, all)).toEqual(Array(5).fill("active"));
  });

  it.each([
    { name: "without the confirmation", body: { everything: true } },
    { name: "with another phrase", body: { everything: true, confirm: "REVOKE ALL LINKS" } },
  ])("is refused $name with 400 on confirm, and nothing is revoked", async ({ body }) => {
    const { tenant, all } = await fixture();

    const response = await revoke(tenant, body);

    expect(response.status).toBe(400);
    const problem = await response.json<{ code: string; issues: { field: string }[] }>();
    expect(problem.code).toBe("invalid_request");
    expect(problem.issues.map((issue) => issue.field)).toEqual(["confirm"]);
    expect(await statuses(tenant, all)).toEqual(Array(5).fill("active"));
  });
});

describe("POST /v1/revocations: what it refuses", () => {
  it("answers 404 for an unknown version, object or subject, or another tenant's", async () => {
    const { tenant, versions } = await fixture();
    const stranger = await seedTenant();
    await putSubject(tenant, "okta|carol", { roles: [], attributes: {} });

    const pairs: [Record<string, string>, Record<string, string>][] = [
      [{ versionId: versions.risk1.versionId }, { versionId: newId("version") }],
      [{ objectName: "risk" }, { objectName: "no-such-object" }],
      [{ subjectId: "okta|alice" }, { subjectId: "okta|nobody" }],
      [{ subjectId: "okta|carol" }, { subjectId: "okta|nobody" }],
    ];
    for (const [foreign, missing] of pairs) {
      const [a, b] = [await revoke(stranger, foreign), await revoke(stranger, missing)];
      expect([a.status, b.status], JSON.stringify(foreign)).toEqual([404, 404]);
      const [bodyA, bodyB] = [await a.json<object>(), await b.json<object>()];
      expect({ ...bodyA, requestId: null }).toEqual({ ...bodyB, requestId: null });
    }
  });

  it("a registered subject without links is known: nothing to revoke, not 404", async () => {
    const tenant = await seedTenant();
    await putSubject(tenant, "okta|carol", { roles: [], attributes: {} });
    expect(await revoked(await revoke(tenant, { subjectId: "okta|carol" }))).toEqual({
      linksRevoked: 0,
      alreadyInactive: 0,
    });
  });

  it.each([
    { name: "no selector", body: { note: "why" }, field: "(root)" },
    { name: "two selectors", body: { objectName: "risk", subjectId: "okta|a" }, field: "(root)" },
    {
      name: "a confirmation without everything",
      body: { objectName: "risk", confirm: "revoke all links" },
      field: "confirm",
    },
    { name: "everything set to false", body: { everything: false }, field: "everything" },
    { name: "a malformed version id", body: { versionId: "ver_short" }, field: "versionId" },
    {
      name: "a note with a control character",
      body: { objectName: "risk", note: "a\u0000b" },
      field: "note",
    },
    { name: "an unknown field", body: { objectName: "risk", reason: "x" }, field: "(root)" },
  ])("refuses $name with 400 naming the field", async ({ body, field }) => {
    const tenant = await seedTenant();
    const response = await revoke(tenant, body);
    expect(response.status, await response.clone().text()).toBe(400);
    const problem = await response.json<{ code: string; issues: { field: string }[] }>();
    expect(problem.code).toBe("invalid_request");
    expect(problem.issues.map((issue) => issue.field)).toContain(field);
    expect(await auditOf(tenant, "links.bulk_revoked")).toEqual([]);
  });
});
