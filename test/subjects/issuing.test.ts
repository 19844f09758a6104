import { describe, expect, it } from "vitest";
import { api, publish, seedTenant, utf8 } from "../support/harness.ts";

async function putSubject(
  tenant: Awaited<ReturnType<typeof seedTenant>>,
  id: string,
  roles: string[],
) {
  const response = await api(tenant, `/subjects/${encodeURIComponent(id)}`, {
    method: "PUT",
    json: { roles, attributes: { facility: "north" } },
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
}

describe("issuing links bound to subjects", () => {
  it("refuses a link bound to a deactivated subject", async () => {
    const tenant = await seedTenant();
    await putSubject(tenant, "okta|00u-left", ["cardiology"]);
    expect((await api(tenant, "/subjects/okta%7C00u-left", { method: "DELETE" })).status).toBe(200);
    const version = await publish(tenant, utf8("x"));

    const response = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: version.versionId, recipientSubjectId: "okta|00u-left" },
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      code: "policy_violation",
      rule: "subject_inactive",
    });
  });

  it("refuses a subject-and-group binding the subject does not hold", async () => {
    const tenant = await seedTenant();
    await putSubject(tenant, "okta|00u-nurse", ["nursing"]);
    const version = await publish(tenant, utf8("x"));
    const bind = (recipientGroup: string) =>
      api(tenant, "/links", {
        method: "POST",
        json: {
          versionId: version.versionId,
          recipientSubjectId: "okta|00u-nurse",
          recipientGroup,
        },
      });

    const refused = await bind("cardiology");
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      rule: "subject_lacks_group",
      allowed: ["nursing"],
    });
    expect((await bind("nursing")).status).toBe(201);
  });

  it("allows a subject the tenant has not registered", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("x"));
    const response = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: version.versionId, recipientSubjectId: "okta|00u-unlisted" },
    });
    expect(response.status).toBe(201);
  });
});
