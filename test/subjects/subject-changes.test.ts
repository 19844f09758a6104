import { describe, expect, it } from "vitest";
import { api, seedTenant } from "../support/harness.ts";
import {
  ALICE,
  auditOf,
  breakGuard,
  CLINICIAN,
  confirmCode,
  deleteSubject,
  issueLink,
  linkStatus,
  putSubject,
  revocationsOf,
  saved,
  statuses,
  versionOf,
} from "./fixtures.ts";

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
