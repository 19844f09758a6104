/**
 * Every /v1 body but a publish's file is JSON: a body of another media type is refused with 415
 * unsupported_media_type before anything changes, and an action that takes no body needs none.
 */
import { describe, expect, it } from "vitest";
import { api, issue, publish, publishRaw, seedTenant, utf8 } from "../support/harness.ts";

describe("the media type of a request body", () => {
  it("JSON sent as text/plain is 415 unsupported_media_type and creates nothing", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/webhooks", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ url: "https://siem.example.org/hook", eventTypes: ["*"] }),
    });

    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({
      code: "unsupported_media_type",
      detail: "Send the body as application/json (UTF-8).",
    });
    const listed = await (await api(tenant, "/webhooks")).json<{ webhooks: unknown[] }>();
    expect(listed.webhooks).toEqual([]);
  });

  it("a form-encoded body, as curl -d sends, is 415 too", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });
    const link = await issue(tenant, version.versionId);

    const response = await api(tenant, `/links/${link.id}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "reason=oops",
    });
    expect(response.status).toBe(415);
    const state = await (await api(tenant, `/links/${link.id}`)).json<{ status: string }>();
    expect(state.status).toBe("active");
  });

  it("an action that takes no body is done without one, and without a Content-Type", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });
    const link = await issue(tenant, version.versionId);

    const response = await api(tenant, `/links/${link.id}/revoke`, { method: "POST" });
    expect(response.status).toBe(200);
    const state = await (await api(tenant, `/links/${link.id}`)).json<{ status: string }>();
    expect(state.status).toBe("revoked");
  });

  it.each(["text/csv", "application/octet-stream", "application/x-hdf5"])(
    "a publish takes its file as %s, whatever its media type",
    async (contentType) => {
      const tenant = await seedTenant();
      const response = await publishRaw(tenant, utf8("a,b\n"), {
        class: "internal",
        contentType,
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ contentType });
    },
  );
});

describe("a body sent as JSON", () => {
  it("that does not parse is 400 invalid_request saying it is not valid JSON", async () => {
    const tenant = await seedTenant();

    const response = await api(tenant, "/webhooks", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "notjson",
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: "invalid_request",
      detail: "The body is not valid JSON.",
    });
  });

  it("that parses is read by the route as before", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });

    const response = await api(tenant, "/links", {
      method: "POST",
      json: { versionId: version.versionId, ttlSeconds: 600 },
    });

    expect(response.status).toBe(201);
  });
});
