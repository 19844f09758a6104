/**
 * A path that exists, asked with a method it does not answer, gets 405 method_not_allowed with an
 * `Allow` header naming the methods it does answer; a path that does not exist stays 404.
 */
import { describe, expect, it } from "vitest";
import { api, call, issue, publish, seedTenant, utf8 } from "../support/harness.ts";

describe("methods a route does not answer", () => {
  it("PUT on a link is 405 with Allow: GET, HEAD", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/links/lnk_aaaaaaaaaaaaaaaaaaaaaa", { method: "PUT" });

    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD");
    expect(await response.json()).toMatchObject({
      code: "method_not_allowed",
      allowed: ["GET", "HEAD"],
    });
  });

  it("a path answered by several routes lists every method of them", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/webhooks/whk_aaaaaaaaaaaaaaaaaaaaaa", { method: "POST" });

    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("DELETE, GET, HEAD, PATCH");
  });

  it("a recipient link asked with PUT is 405 and spends nothing", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });
    const link = await issue(tenant, version.versionId, { maxUses: 1 });

    const response = await call(link.path, { method: "PUT" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS, POST");

    const status = await (await api(tenant, `/links/${link.id}`)).json<{ usesSpent: number }>();
    expect(status.usesSpent).toBe(0);
  });

  it("a path no route has stays 404 not_found, whatever the method", async () => {
    const tenant = await seedTenant();
    for (const method of ["GET", "PUT"]) {
      const response = await api(tenant, "/no-such-thing", { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: "not_found" });
    }
    expect((await api(tenant, "/links/lnk_a/revoke/extra", { method: "POST" })).status).toBe(404);
  });

  it("without credentials a wrong method on /v1 is 401, like every /v1 request", async () => {
    const response = await call("/v1/audit", { method: "DELETE" });
    expect(response.status).toBe(401);
    expect(response.headers.get("Allow")).toBeNull();
  });
});
