import { describe, expect, it } from "vitest";
import { api, publish, seedTenant, type TestTenant, utf8 } from "../support/harness.ts";
import {
  auditOf,
  breakGuard,
  confirmCode,
  deleteSubject,
  issueLink,
  linkStatus,
  putSubject,
  revocationsOf,
  type SubjectRequest,
  statuses,
} from "./fixtures.ts";

interface SubjectBody {
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

interface ChangeBody {
  subject: SubjectBody;
  linksRevoked: number;
}

const ALICE = "okta|00u1alice";
const CLINICIAN: SubjectRequest = {
  displayName: "Dr Alice Moreau",
  email: "Alice.Moreau@Example.org",
  roles: ["cardiology", "research"],
  attributes: { facility: "st-anne", carePanel: "heart-failure" },
};

async function saved(response: Response, status: 200 | 201): Promise<ChangeBody> {
  expect(response.status, await response.clone().text()).toBe(status);
  return response.json();
}

async function versionOf(tenant: TestTenant) {
  return (await publish(tenant, utf8("ward 4 risk"))).versionId;
}

describe("PUT /v1/subjects/{id}", () => {
  it("creates an active subject: 201, roles as a sorted set, e-mail in lower case", async () => {
    const tenant = await seedTenant();
    const created = await saved(
      await putSubject(tenant, ALICE, { ...CLINICIAN, roles: ["research", "cardiology"] }),
      201,
    );

    expect(created).toEqual({
      subject: {
        id: ALICE,
        displayName: "Dr Alice Moreau",
        email: "alice.moreau@example.org",
        roles: ["cardiology", "research"],
        attributes: { facility: "st-anne", carePanel: "heart-failure" },
        active: true,
        createdAt: expect.any(String),
        updatedAt: created.subject.createdAt,
        deactivatedAt: null,
      },
      linksRevoked: 0,
    });
    const read = await api(tenant, `/subjects/${encodeURIComponent(ALICE)}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(created.subject);
  });

  it("replaces the whole subject, 200: omitted fields become null, createdAt stays", async () => {
    const tenant = await seedTenant();
    const first = await saved(await putSubject(tenant, ALICE, CLINICIAN), 201);
    const second = await saved(
      await putSubject(tenant, ALICE, {
        roles: ["cardiology"],
        attributes: { project: "hf-2027" },
      }),
      200,
    );

    expect(second.subject).toMatchObject({
      displayName: null,
      email: null,
      roles: ["cardiology"],
      attributes: { project: "hf-2027" },
      createdAt: first.subject.createdAt,
    });
  });

  it("audits subject.updated, roles before/after, never names/e-mails/attributes", async () => {
    const tenant = await seedTenant();
    await saved(await putSubject(tenant, ALICE, CLINICIAN), 201);
    await saved(
      await putSubject(tenant, ALICE, {
        ...CLINICIAN,
        roles: ["cardiology"],
        attributes: { ...CLINICIAN.attributes, facility: "north" },
      }),
      200,
    );

    const events = await auditOf(tenant, "subject.updated");
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      outcome: "succeeded",
      actor: tenant.principal,
      detail: {
        subjectId: ALICE,
        created: false,
        active: { before: true, after: true },
        roles: { before: ["cardiology", "research"], after: ["cardiology"] },
        changed: ["roles", "attributes.facility"],
        linksRevoked: 0,
      },
    });
    expect(events[1]?.detail).toMatchObject({ created: true, active: { before: null } });
    const written = JSON.stringify(events);
    for (const secret of ["Moreau", "alice.moreau", "st-anne", "north", "heart-failure"]) {
      expect(written.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });

  it("a replacement identical to the stored subject writes and revokes nothing", async () => {
    const tenant = await seedTenant();
    const versionId = await versionOf(tenant);
    const link = await issueLink(tenant, versionId, {
      recipientSubjectId: ALICE,
      recipientGroup: "cardiology",
    });
    const first = await saved(await putSubject(tenant, ALICE, CLINICIAN), 201);

    const again = await saved(
      await putSubject(tenant, ALICE, { ...CLINICIAN, roles: ["research", "cardiology"] }),
      200,
    );
    expect(again).toEqual({ subject: first.subject, linksRevoked: 0 });
    expect(await auditOf(tenant, "subject.updated")).toHaveLength(1);
    expect(await linkStatus(tenant, link.id)).toBe("active");
  });

  it("the same id in two tenants is two subjects", async () => {
    const [north, south] = [await seedTenant(), await seedTenant()];
    await saved(await putSubject(north, ALICE, CLINICIAN), 201);
    await saved(await putSubject(south, ALICE, { roles: ["billing"], attributes: {} }), 201);

    const read = await api(north, `/subjects/${encodeURIComponent(ALICE)}`);
    expect(await read.json()).toMatchObject({ roles: ["cardiology", "research"] });
  });

  it.each([
    { name: "an id outside the identity provider alphabet", id: "-alice", body: {}, field: "id" },
    { name: "an id of 129 characters", id: "a".repeat(129), body: {}, field: "id" },
    { name: "a missing roles list", id: ALICE, body: { roles: undefined }, field: "roles" },
    { name: "a role given twice", id: ALICE, body: { roles: ["a", "a"] }, field: "roles" },
    { name: "an empty role", id: ALICE, body: { roles: [""] }, field: "roles.0" },
    {
      name: "a role over 128 characters",
      id: ALICE,
      body: { roles: ["r".repeat(129)] },
      field: "roles.0",
    },
    {
      name: "a role with a control character",
      id: ALICE,
      body: { roles: ["a\nb"] },
      field: "roles.0",
    },
    { name: "missing attributes", id: ALICE, body: { attributes: undefined }, field: "attributes" },
    {
      name: "an attribute name with a space",
      id: ALICE,
      body: { attributes: { "care panel": "x" } },
      field: "attributes.care panel",
    },
    {
      name: "an attribute value that is not text",
      id: ALICE,
      body: { attributes: { floor: 4 } },
      field: "attributes.floor",
    },
    { name: "an e-mail that is not one", id: ALICE, body: { email: "alice" }, field: "email" },
    { name: "a field the API does not know", id: ALICE, body: { active: false }, field: "(root)" },
  ])("refuses $name with 400 naming the field, and stores nothing", async ({ id, body, field }) => {
    const tenant = await seedTenant();
    const response = await api(tenant, `/subjects/${encodeURIComponent(id)}`, {
      method: "PUT",
      json: { roles: [], attributes: {}, ...body },
    });
    expect(response.status, await response.clone().text()).toBe(400);
    const problem = await response.json<{ code: string; issues: { field: string }[] }>();
    expect(problem.code).toBe("invalid_request");
    expect(problem.issues.map((issue) => issue.field)).toContain(field);
    const list = await (await api(tenant, "/subjects")).json<{ subjects: unknown[] }>();
    expect(list.subjects).toEqual([]);
  });
});

describe("GET /v1/subjects", () => {
  async function seedPeople(tenant: TestTenant) {
    for (const [id, roles] of [
      ["u1", ["cardiology"]],
      ["u2", ["research"]],
      ["u3", ["cardiology", "research"]],
      ["u4", ["cardiology"]],
      ["u5", []],
    ] as const) {
      await saved(await putSubject(tenant, id, { roles: [...roles], attributes: {} }), 201);
    }
    await deleteSubject(tenant, "u4");
  }

  async function ids(tenant: TestTenant, query: string): Promise<string[]> {
    const response = await api(tenant, `/subjects${query}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json<{ subjects: SubjectBody[] }>()).subjects.map((s) => s.id);
  }

  it("lists the tenant's subjects in id order, filtered by role and by state", async () => {
    const tenant = await seedTenant();
    await seedPeople(tenant);
    await saved(
      await putSubject(await seedTenant(), "u0", { roles: ["cardiology"], attributes: {} }),
      201,
    );

    expect(await ids(tenant, "")).toEqual(["u1", "u2", "u3", "u4", "u5"]);
    expect(await ids(tenant, "?role=cardiology")).toEqual(["u1", "u3", "u4"]);
    expect(await ids(tenant, "?role=cardiology&active=true")).toEqual(["u1", "u3"]);
    expect(await ids(tenant, "?active=false")).toEqual(["u4"]);
    expect(await ids(tenant, "?role=nobody")).toEqual([]);
  });

  it("pages with an opaque cursor, every subject exactly once", async () => {
    const tenant = await seedTenant();
    await seedPeople(tenant);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const response = await api(tenant, `/subjects${query}`);
      const body = await response.json<{ subjects: SubjectBody[]; nextCursor: string | null }>();
      expect(body.subjects.length).toBeLessThanOrEqual(2);
      seen.push(...body.subjects.map((subject) => subject.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(["u1", "u2", "u3", "u4", "u5"]);
  });

  it("refuses a cursor it did not hand out and a state that is not true or false", async () => {
    const tenant = await seedTenant();
    for (const query of ["?cursor=%25%25", "?cursor=LWJhZA", "?active=yes", "?limit=0"]) {
      const response = await api(tenant, `/subjects${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ code: "invalid_request" });
    }
  });
});

describe("DELETE /v1/subjects/{id}", () => {
  it("deactivates the subject and keeps it readable", async () => {
    const tenant = await seedTenant();
    await saved(await putSubject(tenant, ALICE, CLINICIAN), 201);

    const answer = await saved(await deleteSubject(tenant, ALICE), 200);
    expect(answer.subject).toMatchObject({ active: false, roles: ["cardiology", "research"] });
    expect(answer.subject.deactivatedAt).toBe(answer.subject.updatedAt);

    const read = await api(tenant, `/subjects/${encodeURIComponent(ALICE)}`);
    expect(await read.json()).toEqual(answer.subject);
  });

  it("answers 404 for a subject the tenant does not have", async () => {
    const tenant = await seedTenant();
    const response = await deleteSubject(tenant, "okta|nobody");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "not_found", detail: "No such subject." });
  });

  it("a PUT reactivates a deactivated subject", async () => {
    const tenant = await seedTenant();
    await saved(await putSubject(tenant, ALICE, CLINICIAN), 201);
    await saved(await deleteSubject(tenant, ALICE), 200);

    const back = await saved(await putSubject(tenant, ALICE, CLINICIAN), 200);
    expect(back.subject).toMatchObject({ active: true, deactivatedAt: null });
  });
});

describe("revocation when a subject changes", () => {
  async function fixture() {
    const tenant = await seedTenant();
    const versionId = await versionOf(tenant);
    await saved(await putSubject(tenant, ALICE, CLINICIAN), 201);
    const links = {
      cardiology: await issueLink(tenant, versionId, {
        recipientSubjectId: ALICE,
        recipientGroup: "cardiology",
      }),
      research: await issueLink(tenant, versionId, {
        recipientSubjectId: ALICE,
        recipientGroup: "research",
      }),
      aliceOnly: await issueLink(tenant, versionId, { recipientSubjectId: ALICE }),
      bob: await issueLink(tenant, versionId, {
        recipientSubjectId: "okta|00u1bob",
        recipientGroup: "cardiology",
      }),
      groupOnly: await issueLink(tenant, versionId, { recipientGroup: "cardiology" }),
      unbound: await issueLink(tenant, versionId),
    };
    return { tenant, versionId, links };
  }

  it("deactivation revokes all links bound to the subject before answering, no other", async () => {
    const { tenant, links } = await fixture();

    const answer = await saved(await deleteSubject(tenant, ALICE), 200);

    expect(answer.linksRevoked).toBe(3);
    expect(
      await statuses(tenant, [
        links.cardiology,
        links.research,
        links.aliceOnly,
        links.bob,
        links.groupOnly,
        links.unbound,
      ]),
    ).toEqual(["revoked", "revoked", "revoked", "active", "active", "active"]);
  });

  it("each revoked link's guard audits subject_changed; one subject.deactivated", async () => {
    const { tenant, links } = await fixture();
    await saved(await deleteSubject(tenant, ALICE), 200);

    const revoked = await revocationsOf(tenant, links.aliceOnly.id);
    expect(revoked).toEqual([
      expect.objectContaining({ reason: "subject_changed", actor: tenant.principal }),
    ]);
    const [deactivated, ...others] = await auditOf(tenant, "subject.deactivated");
    expect(others).toEqual([]);
    expect(deactivated).toMatchObject({
      reason: "subject_changed",
      requestId: revoked[0]?.requestId,
      detail: {
        subjectId: ALICE,
        active: { before: true, after: false },
        roles: { before: ["cardiology", "research"], after: ["cardiology", "research"] },
        linksRevoked: 3,
      },
    });
  });

  it("if a bound link can't be revoked, the rest are, subject unchanged, retry ends", async () => {
    const { tenant, links } = await fixture();
    await breakGuard(links.research.id);

    const failed = await deleteSubject(tenant, ALICE);

    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({
      code: "internal_error",
      linksRevoked: 2,
      linksFailed: 1,
    });
    expect(await statuses(tenant, [links.cardiology, links.aliceOnly])).toEqual([
      "revoked",
      "revoked",
    ]);
    const read = await api(tenant, `/subjects/${encodeURIComponent(ALICE)}`);
    expect(await read.json()).toMatchObject({ active: true });
    expect(await auditOf(tenant, "subject.deactivated")).toEqual([]);
  });

  it("a link revoked by a subject change answers 410 link_revoked at /d/", async () => {
    const { tenant, links } = await fixture();
    await saved(await deleteSubject(tenant, ALICE), 200);

    expect(await confirmCode(links.aliceOnly.path)).toEqual({ status: 410, code: "link_revoked" });
  });

  it("deactivating again revokes nothing more and records nothing more", async () => {
    const { tenant } = await fixture();
    await saved(await deleteSubject(tenant, ALICE), 200);

    const again = await saved(await deleteSubject(tenant, ALICE), 200);
    expect(again.linksRevoked).toBe(0);
    expect(await auditOf(tenant, "subject.deactivated")).toHaveLength(1);
  });

  it("no link binds to a deactivated subject, so deactivating again revokes nothing", async () => {
    const { tenant, versionId } = await fixture();
    await saved(await deleteSubject(tenant, ALICE), 200);
    const late = await api(tenant, "/links", {
      method: "POST",
      json: { versionId, recipientSubjectId: ALICE },
    });
    expect(late.status).toBe(422);

    const again = await saved(await deleteSubject(tenant, ALICE), 200);
    expect(again.linksRevoked).toBe(0);
  });

  it("removing a role revokes the subject's links bound to it, none of its others", async () => {
    const { tenant, links } = await fixture();

    const answer = await saved(
      await putSubject(tenant, ALICE, { ...CLINICIAN, roles: ["research"] }),
      200,
    );

    expect(answer.linksRevoked).toBe(1);
    expect(
      await statuses(tenant, [
        links.cardiology,
        links.research,
        links.aliceOnly,
        links.bob,
        links.groupOnly,
      ]),
    ).toEqual(["revoked", "active", "active", "active", "active"]);
    expect(await revocationsOf(tenant, links.cardiology.id)).toEqual([
      expect.objectContaining({ reason: "subject_changed" }),
    ]);
    const [updated] = await auditOf(tenant, "subject.updated");
    expect(updated?.detail).toMatchObject({
      roles: { before: ["cardiology", "research"], after: ["research"] },
      linksRevoked: 1,
    });
  });

  it("adding a role or changing attributes revokes nothing", async () => {
    const { tenant, links } = await fixture();

    const answer = await saved(
      await putSubject(tenant, ALICE, {
        ...CLINICIAN,
        roles: [...CLINICIAN.roles, "oncology"],
        attributes: { facility: "north" },
      }),
      200,
    );

    expect(answer.linksRevoked).toBe(0);
    expect(await statuses(tenant, [links.cardiology, links.research, links.aliceOnly])).toEqual([
      "active",
      "active",
      "active",
    ]);
  });

  it("giving a removed role back does not bring its revoked links back", async () => {
    const { tenant, links } = await fixture();
    await saved(await putSubject(tenant, ALICE, { ...CLINICIAN, roles: ["research"] }), 200);

    await saved(await putSubject(tenant, ALICE, CLINICIAN), 200);
    expect(await linkStatus(tenant, links.cardiology.id)).toBe("revoked");
  });

  it("a change in one tenant never touches another tenant's subject or links", async () => {
    const { tenant } = await fixture();
    const other = await fixture();

    await saved(await deleteSubject(tenant, ALICE), 200);

    const theirs = await api(other.tenant, `/subjects/${encodeURIComponent(ALICE)}`);
    expect(await theirs.json()).toMatchObject({ active: true });
    expect(
      await statuses(other.tenant, [
        other.links.cardiology,
        other.links.research,
        other.links.aliceOnly,
      ]),
    ).toEqual(["active", "active", "active"]);
  });

  it("until recipients sign in, a bound link opens for nobody, whatever the subject", async () => {
    const { links } = await fixture();
    // Alice is active and holds cardiology: the only way left to close the link is revocation.
    expect(await confirmCode(links.cardiology.path)).toEqual({
      status: 403,
      code: "identity_required",
    });
  });
});
