import { describe, expect, it } from "vitest";
import { api, seedTenant, type TestTenant } from "../support/harness.ts";
import {
  ALICE,
  auditOf,
  CLINICIAN,
  deleteSubject,
  issueLink,
  linkStatus,
  putSubject,
  type SubjectBody,
  saved,
  versionOf,
} from "./fixtures.ts";

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
