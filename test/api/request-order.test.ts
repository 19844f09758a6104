/**
 * The order in which a /v1 request is judged: the path (404), the method (405), the caller's scope
 * (403), and only then the query (400) and the body's size (413), media type (415) and text. A body
 * can never turn a 404, 405 or 403 into another answer, so it tells a caller nothing about a route
 * it may not call.
 */
import { describe, expect, it } from "vitest";
import { addKey, api, seedTenant } from "../support/harness.ts";

const TEXT_BODY = { headers: { "Content-Type": "text/plain" }, body: "{}" };
const HUGE_JSON = { json: { padding: "x".repeat(300 * 1024) } };

async function codeOf(response: Response): Promise<string> {
  return (await response.json<{ code: string }>()).code;
}

describe("a request's path, method and scope are judged before its body", () => {
  it("a text body to a path that does not exist is 404, not 415", async () => {
    const tenant = await seedTenant();

    const response = await api(tenant, "/nonexistent", { method: "POST", ...TEXT_BODY });

    expect(response.status).toBe(404);
    expect(await codeOf(response)).toBe("not_found");
  });

  it("an oversized body to a path that does not exist is 404, not 413", async () => {
    const tenant = await seedTenant();

    const response = await api(tenant, "/nothing", { method: "POST", ...HUGE_JSON });

    expect(response.status).toBe(404);
  });

  it("a text body with a method the path does not answer is 405 with Allow, not 415", async () => {
    const tenant = await seedTenant();

    const response = await api(tenant, "/audit", { method: "POST", ...TEXT_BODY });

    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD");
  });

  it.each([
    ["POST", "/keys"],
    ["POST", "/revocations"],
    ["PUT", "/policy"],
    ["POST", "/links"],
  ])("%s %s with a text body and no scope for it is 403, not 415", async (method, path) => {
    const tenant = await seedTenant();
    const auditor = await addKey(tenant, ["audit:read"]);

    const response = await api(auditor, path, { method, ...TEXT_BODY });

    expect(response.status).toBe(403);
    expect(await codeOf(response)).toBe("insufficient_scope");
  });

  it("an oversized body from a caller without the scope is 403, not 413", async () => {
    const tenant = await seedTenant();
    const auditor = await addKey(tenant, ["audit:read"]);

    const response = await api(auditor, "/links", { method: "POST", ...HUGE_JSON });

    expect(response.status).toBe(403);
  });

  it("a repeated query parameter from a caller without the scope is 403, not 400", async () => {
    const tenant = await seedTenant();
    const issuer = await addKey(tenant, ["issue"]);

    const refused = await api(issuer, "/audit?limit=1&limit=2");
    const allowed = await api(tenant, "/audit?limit=1&limit=2");

    expect(refused.status).toBe(403);
    expect(allowed.status).toBe(400);
    expect(await allowed.json()).toMatchObject({ code: "invalid_request", parameter: "limit" });
  });

  it("with the scope, the same text body is 415 and the oversized one 413", async () => {
    const tenant = await seedTenant();

    const text = await api(tenant, "/links", { method: "POST", ...TEXT_BODY });
    const huge = await api(tenant, "/links", { method: "POST", ...HUGE_JSON });

    expect(text.status).toBe(415);
    expect(await codeOf(text)).toBe("unsupported_media_type");
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({
      code: "payload_too_large",
      title: "The request body is larger than allowed",
    });
  });
});
