import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids.ts";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import {
  addKey,
  api,
  issue,
  publish,
  seedTenant,
  type TestTenant,
  utf8,
} from "../support/harness.ts";
import { runSecurityMatrix } from "../support/security-matrix.ts";

const jsonInit = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

async function publishedVersion(owner: TestTenant) {
  return publish(owner, utf8("matrix"), { name: "matrix-object" });
}

runSecurityMatrix({
  name: "POST /v1/objects/{name}/versions",
  scope: "publish",
  prepare: async () => ({
    path: "/objects/matrix-upload/versions?class=internal",
    init: { method: "POST", body: utf8("bytes"), headers: { "Content-Length": "5" } },
  }),
});

runSecurityMatrix({
  name: "GET /v1/objects/{name}/versions",
  scope: "publish",
  prepare: async (owner) => {
    await publishedVersion(owner);
    return { path: "/objects/matrix-object/versions" };
  },
  missing: async () => ({ path: "/objects/no-such-object/versions" }),
});

runSecurityMatrix({
  name: "GET /v1/versions/{versionId}",
  scope: "publish",
  prepare: async (owner) => ({ path: `/versions/${(await publishedVersion(owner)).versionId}` }),
  missing: async () => ({ path: `/versions/${newId("version")}` }),
});

runSecurityMatrix({
  name: "POST /v1/links",
  scope: "issue",
  prepare: async (owner) => ({
    path: "/links",
    init: jsonInit({ versionId: (await publishedVersion(owner)).versionId }),
  }),
  missing: async () => ({ path: "/links", init: jsonInit({ versionId: newId("version") }) }),
});

runSecurityMatrix({
  name: "GET /v1/links/{linkId}",
  scope: "issue",
  prepare: async (owner) => {
    const link = await issue(owner, (await publishedVersion(owner)).versionId);
    return { path: `/links/${link.id}` };
  },
  missing: async () => ({ path: `/links/${newId("link")}` }),
});

runSecurityMatrix({
  name: "POST /v1/links/{linkId}/revoke",
  scope: "revoke",
  prepare: async (owner) => {
    const link = await issue(owner, (await publishedVersion(owner)).versionId);
    return { path: `/links/${link.id}/revoke`, init: { method: "POST" } };
  },
  missing: async () => ({ path: `/links/${newId("link")}/revoke`, init: { method: "POST" } }),
});

runSecurityMatrix({
  name: "GET /v1/audit",
  scope: "audit:read",
  prepare: async () => ({ path: "/audit" }),
});

runSecurityMatrix({
  name: "POST /v1/keys",
  scope: "admin",
  prepare: async () => ({ path: "/keys", init: jsonInit({ name: "matrix", scopes: ["publish"] }) }),
});

runSecurityMatrix({
  name: "GET /v1/keys",
  scope: "admin",
  prepare: async () => ({ path: "/keys" }),
});

runSecurityMatrix({
  name: "POST /v1/keys/{keyId}/revoke",
  scope: "admin",
  prepare: async (owner) => ({ path: `/keys/${owner.keyId}/revoke`, init: { method: "POST" } }),
  missing: async () => ({ path: `/keys/${newId("apiKey")}/revoke`, init: { method: "POST" } }),
});

const subjectBody = { roles: ["cardiology"], attributes: { facility: "st-anne" } };

async function registeredSubject(owner: TestTenant): Promise<string> {
  const response = await api(owner, "/subjects/matrix-subject", {
    method: "PUT",
    json: subjectBody,
  });
  if (response.status !== 201) throw new Error(`subject not created: ${await response.text()}`);
  return "/subjects/matrix-subject";
}

runSecurityMatrix({
  name: "PUT /v1/subjects/{id}",
  scope: "admin",
  prepare: async () => ({
    path: "/subjects/matrix-subject",
    init: { ...jsonInit(subjectBody), method: "PUT" },
  }),
});

runSecurityMatrix({
  name: "GET /v1/subjects/{id}",
  scope: "admin",
  prepare: async (owner) => ({ path: await registeredSubject(owner) }),
  missing: async () => ({ path: "/subjects/no-such-subject" }),
});

runSecurityMatrix({
  name: "GET /v1/subjects",
  scope: "admin",
  prepare: async () => ({ path: "/subjects" }),
});

runSecurityMatrix({
  name: "DELETE /v1/subjects/{id}",
  scope: "admin",
  prepare: async (owner) => ({ path: await registeredSubject(owner), init: { method: "DELETE" } }),
  missing: async () => ({ path: "/subjects/no-such-subject", init: { method: "DELETE" } }),
});

runSecurityMatrix({
  name: "POST /v1/revocations by version",
  scope: "revoke",
  prepare: async (owner) => ({
    path: "/revocations",
    init: jsonInit({ versionId: (await publishedVersion(owner)).versionId }),
  }),
  missing: async () => ({ path: "/revocations", init: jsonInit({ versionId: newId("version") }) }),
});

runSecurityMatrix({
  name: "POST /v1/revocations by object",
  scope: "revoke",
  prepare: async (owner) => {
    await publishedVersion(owner);
    return { path: "/revocations", init: jsonInit({ objectName: "matrix-object" }) };
  },
  missing: async () => ({ path: "/revocations", init: jsonInit({ objectName: "no-such-object" }) }),
});

runSecurityMatrix({
  name: "POST /v1/revocations by subject",
  scope: "revoke",
  prepare: async (owner) => {
    await registeredSubject(owner);
    return { path: "/revocations", init: jsonInit({ subjectId: "matrix-subject" }) };
  },
  missing: async () => ({ path: "/revocations", init: jsonInit({ subjectId: "no-such-subject" }) }),
});

runSecurityMatrix({
  name: "POST /v1/revocations for everything",
  scope: "admin",
  prepare: async () => ({
    path: "/revocations",
    init: jsonInit({ everything: true, confirm: "revoke all links" }),
  }),
});

runSecurityMatrix({
  name: "GET /v1/policy",
  scope: "admin",
  prepare: async () => ({ path: "/policy" }),
});

runSecurityMatrix({
  name: "PUT /v1/policy",
  scope: "admin",
  prepare: async () => ({
    path: "/policy",
    init: {
      ...jsonInit({ classes: { internal: { ...BUILT_IN_POLICY.internal, maxUses: 50 } } }),
      method: "PUT",
    },
  }),
});

runSecurityMatrix({
  name: "DELETE /v1/policy/{class}",
  scope: "admin",
  prepare: async () => ({ path: "/policy/internal", init: { method: "DELETE" } }),
});

describe("scope before validation", () => {
  it("a key without the route's scope gets 403 even for a body it would reject", async () => {
    const owner = await seedTenant();
    const publisher = await addKey(owner, ["publish"]);
    for (const [path, init] of [
      ["/keys", { method: "POST", json: { nonsense: true } }],
      ["/policy", { method: "PUT", json: { classes: { "patient-linked": { maxUses: -1 } } } }],
      ["/links", { method: "POST", json: { versionId: "not-an-id" } }],
    ] as const) {
      const response = await api(publisher, path, init);
      expect(response.status, path).toBe(403);
      expect(await response.json()).toMatchObject({ code: "insufficient_scope" });
    }
  });
});
