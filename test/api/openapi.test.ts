import { describe, expect, it } from "vitest";
import { api, call, seedTenant } from "../support/harness.ts";

describe("GET /v1/openapi.json", () => {
  it("is generated from the route schemas and needs no credentials", async () => {
    const response = await call("/v1/openapi.json");
    expect(response.status).toBe(200);
    const document = await response.json<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    }>();
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths).sort()).toEqual([
      "/v1/audit",
      "/v1/audit/export",
      "/v1/audit/head",
      "/v1/bundles",
      "/v1/bundles/{bundleId}",
      "/v1/keys",
      "/v1/keys/{keyId}/revoke",
      "/v1/links",
      "/v1/links/{linkId}",
      "/v1/links/{linkId}/approve",
      "/v1/links/{linkId}/reject",
      "/v1/links/{linkId}/revoke",
      "/v1/objects/{name}/versions",
      "/v1/policy",
      "/v1/policy/{class}",
      "/v1/revocations",
      "/v1/subjects",
      "/v1/subjects/{id}",
      "/v1/versions/{versionId}",
      "/v1/webhooks",
      "/v1/webhooks/{webhookId}",
      "/v1/webhooks/{webhookId}/deliveries",
      "/v1/webhooks/{webhookId}/replay",
      "/v1/webhooks/{webhookId}/rotate-secret",
    ]);
    expect(Object.keys(document.paths["/v1/objects/{name}/versions"] ?? {}).sort()).toEqual([
      "get",
      "post",
    ]);
    expect(document.components.schemas).toHaveProperty("IssueLink");
    expect(document.components.schemas).toHaveProperty("Link");
    expect(document.components.schemas).toHaveProperty("Problem");
  });

  it("an unknown /v1 route answers 404 to a caller and 401 to a stranger", async () => {
    const tenant = await seedTenant();
    const known = await api(tenant, "/nothing-here");
    expect(known.status).toBe(404);
    expect(known.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await known.json()).toMatchObject({ code: "not_found" });

    const stranger = await call("/v1/nothing-here");
    expect(stranger.status).toBe(401);
  });

  it("an unknown route outside /v1 answers a 404 problem", async () => {
    const response = await call("/nowhere");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "not_found" });
  });
});

describe("request bodies", () => {
  it("a JSON body over 64 KiB answers 413 payload_too_large before it is parsed", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: "ver_AAAAAAAAAAAAAAAAAAAAAA", padding: "x".repeat(70 * 1024) },
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: "payload_too_large" });
  });

  it("answers that depend on Accept say so in Vary", async () => {
    const response = await call("/nowhere", { headers: { Accept: "text/html" } });
    expect(response.headers.get("Vary")).toContain("Accept");
  });
});
