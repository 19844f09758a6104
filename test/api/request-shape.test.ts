/**
 * What a request may carry beyond what its route reads: a route without query parameters
 * refuses any, an action without a body refuses one, an empty body is no body whatever its
 * Content-Type, and JSON is application/json in UTF-8 only.
 */
import { describe, expect, it } from "vitest";
import { api, issue, publish, seedTenant, utf8 } from "../support/harness.ts";

async function problemOf(response: Response) {
  return response.json<{ code: string; detail: string; parameter?: string }>();
}

async function liveLink() {
  const tenant = await seedTenant();
  const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });
  const link = await issue(tenant, version.versionId);
  return { tenant, version, link };
}

describe("a route that takes no query parameters", () => {
  it("refuses one, so `?class=public` never looks like a filter that applied", async () => {
    const { tenant } = await liveLink();

    const response = await api(tenant, "/objects/notes/versions?class=public");

    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({
      code: "invalid_request",
      parameter: "class",
      detail: 'This route takes no query parameters; "class" is not one.',
    });
  });

  it("refuses `?dryRun=true` on a revoke, and the link stays live", async () => {
    const { tenant, link } = await liveLink();

    const response = await api(tenant, `/links/${link.id}/revoke?dryRun=true`, { method: "POST" });

    expect(response.status).toBe(400);
    const state = await (await api(tenant, `/links/${link.id}`)).json<{ status: string }>();
    expect(state.status).toBe("active");
  });
});

describe("an action that takes no body", () => {
  it('refuses one: revoking a key with {"x":1} is 400 and the key still works', async () => {
    const tenant = await seedTenant();
    const created = await api(tenant, "/keys", {
      method: "POST",
      json: { name: "reporting", scopes: ["audit:read"] },
    });
    const key = await created.json<{ keyId: string; key: string }>();

    const response = await api(tenant, `/keys/${key.keyId}/revoke`, {
      method: "POST",
      json: { x: 1 },
    });

    expect(response.status).toBe(400);
    expect((await problemOf(response)).detail).toBe("This action takes no body.");
    expect((await api(key.key, "/audit/head")).status).toBe(200);
  });
});

describe("an empty body", () => {
  it.each(["application/json", "text/plain"])(
    "sent as %s is no body: an optional-body revoke is done",
    async (contentType) => {
      const { tenant, link } = await liveLink();

      const response = await api(tenant, `/links/${link.id}/revoke`, {
        method: "POST",
        headers: { "Content-Type": contentType },
        body: "",
      });

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: "revoked" });
    },
  );
});

describe("the JSON media type", () => {
  it.each([
    ["application/problem+json", 415],
    ["application/json-patch+json", 415],
    ["application/json; charset=latin1", 415],
    ["application/json", 200],
    ["application/json; charset=utf-8", 200],
    ['Application/JSON;charset="UTF-8"', 200],
  ])("%s answers %i: bodies are application/json in UTF-8", async (contentType, status) => {
    const { tenant, link } = await liveLink();

    const response = await api(tenant, `/links/${link.id}/revoke`, {
      method: "POST",
      headers: { "Content-Type": contentType },
      body: '{"reason":"sent to the wrong ward"}',
    });

    expect(response.status).toBe(status);
    const state = await (await api(tenant, `/links/${link.id}`)).json<{ status: string }>();
    expect(state.status).toBe(status === 200 ? "revoked" : "active");
  });
});
