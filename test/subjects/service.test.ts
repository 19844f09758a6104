// The service as a SCIM adapter would call it: plain values in, no HTTP request.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { createLogger } from "../../src/http/logger.ts";
import {
  getSubject,
  listSubjects,
  type SubjectScope,
  upsertSubject,
} from "../../src/subjects/service.ts";
import { publish, seedTenant, type TestTenant, utf8 } from "../support/harness.ts";
import { auditOf, issueLink, statuses } from "./fixtures.ts";

function scopeOf(tenant: TestTenant): SubjectScope {
  return {
    env,
    db: database(env.DB),
    tenantId: tenant.tenantId,
    origin: { requestId: "req_scim", client: null, actor: "scim-provisioner" },
    logger: createLogger({ component: "test" }),
  };
}

describe("subjects service", () => {
  it("upsertSubject with SCIM's active false deactivates and revokes like DELETE", async () => {
    const tenant = await seedTenant();
    const scope = scopeOf(tenant);
    const { versionId } = await publish(tenant, utf8("x"));
    await upsertSubject(scope, "00u1", { roles: ["cardiology"], attributes: {} });
    const bound = await issueLink(tenant, versionId, { recipientSubjectId: "00u1" });

    const change = await upsertSubject(scope, "00u1", {
      roles: ["cardiology"],
      attributes: {},
      active: false,
    });

    expect(change).toMatchObject({ created: false, linksRevoked: 1 });
    expect(change.subject).toMatchObject({ active: false, deactivatedAt: expect.any(Number) });
    expect(await statuses(tenant, [bound])).toEqual(["revoked"]);
    expect(await auditOf(tenant, "subject.deactivated")).toEqual([
      expect.objectContaining({ actor: "scim-provisioner", requestId: "req_scim" }),
    ]);
  });

  it("getSubject answers null, not an error, for an id the tenant does not have", async () => {
    const tenant = await seedTenant();
    expect(await getSubject(database(env.DB), tenant.tenantId, "00u-missing")).toBeNull();
  });

  it("listSubjects hands out the id to continue after, and null on the last page", async () => {
    const tenant = await seedTenant();
    const scope = scopeOf(tenant);
    for (const id of ["a1", "a2", "a3"])
      await upsertSubject(scope, id, { roles: [], attributes: {} });

    const db = database(env.DB);
    const first = await listSubjects(db, tenant.tenantId, { limit: 2 });
    expect([first.subjects.map((s) => s.id), first.next]).toEqual([["a1", "a2"], "a2"]);
    const last = await listSubjects(db, tenant.tenantId, { limit: 2, after: "a2" });
    expect([last.subjects.map((s) => s.id), last.next]).toEqual([["a3"], null]);
  });
});
