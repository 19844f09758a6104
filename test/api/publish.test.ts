import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  api,
  publish,
  publishRaw,
  seedTenant,
  sha256Hex,
  type TestTenant,
  utf8,
} from "../support/harness.ts";

describe("POST /v1/objects/{name}/versions", () => {
  it("streams the body into R2 and answers its sha256 and size", async () => {
    const tenant = await seedTenant();
    const bytes = new Uint8Array(env.SAMPLE_HRRP_CSV);
    const response = await publishRaw(tenant, bytes, {
      name: "hrrp-fy2024",
      class: "internal",
      filename: "FY_2024_HRRP.csv",
      query: {
        modelVersion: "n/a",
        trainingWindow: "2019-07/2022-06",
        label: ["source=cms", "fy=2024"],
      },
    });
    expect(response.status).toBe(201);
    const version = await response.json<Record<string, unknown>>();

    expect(version).toMatchObject({
      objectName: "hrrp-fy2024",
      class: "internal",
      number: 1,
      filename: "FY_2024_HRRP.csv",
      contentType: "text/csv",
      size: bytes.byteLength,
      sha256: "912744b8ba86c89ab44f383ff4d1216e7b83fa0eb82515500243df4d43726e23",
      trainingWindow: "2019-07/2022-06",
      labels: { source: "cms", fy: "2024" },
      publishedBy: tenant.principal,
      purged: false,
    });
    const key = `tenants/${tenant.tenantId}/versions/${version.versionId}`;
    const stored = await env.FILES.get(key);
    expect(stored).not.toBeNull();
    expect(await sha256Hex((await stored?.arrayBuffer()) ?? new ArrayBuffer(0))).toBe(
      version.sha256,
    );
  });

  it("R2 keys name only the tenant and version, never the object or file name", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n1,2\n"), {
      name: "ward-4-patients",
      filename: "ward4.csv",
    });
    const listed = await env.FILES.list({ prefix: `tenants/${tenant.tenantId}/` });
    expect(listed.objects.map((object) => object.key)).toEqual([
      `tenants/${tenant.tenantId}/versions/${version.versionId}`,
    ]);
  });

  it("publishing again under the same name makes a new immutable version", async () => {
    const tenant = await seedTenant();
    const first = await publish(tenant, utf8("v1"), { name: "risk-scores" });
    const second = await publish(tenant, utf8("v2 corrected"), { name: "risk-scores" });
    expect(second.versionId).not.toBe(first.versionId);

    const listed = await api(tenant, "/objects/risk-scores/versions");
    const { versions } = await listed.json<{ versions: { versionId: string; number: number }[] }>();
    expect(versions.map((version) => [version.versionId, version.number])).toEqual([
      [second.versionId, 2],
      [first.versionId, 1],
    ]);

    const original = await api(tenant, `/versions/${first.versionId}`);
    expect(await original.json()).toMatchObject({ sha256: await sha256Hex(utf8("v1")), size: 2 });
  });

  it("a new version may not change the object's class", async () => {
    const tenant = await seedTenant();
    await publish(tenant, utf8("x"), { name: "cohort", class: "restricted" });
    const response = await publishRaw(tenant, utf8("y"), { name: "cohort", class: "public" });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      code: "object_class_conflict",
      class: "restricted",
    });
  });

  it("a new object needs a class", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/objects/unclassified/versions", {
      method: "POST",
      body: utf8("z"),
      headers: { "Content-Length": "1" },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });

  it("a body over the size limit is refused before any byte is stored", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/objects/too-big/versions?class=internal", {
      method: "POST",
      body: utf8("tiny"),
      headers: { "Content-Length": String(200 * 1024 * 1024) },
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: "payload_too_large", limit: 104857600 });
    const listed = await env.FILES.list({ prefix: "tenants/" });
    expect(listed.objects.filter((o) => o.key.includes("too-big"))).toEqual([]);
  });

  it.each([
    ["a bad class", "/objects/x/versions?class=secret"],
    ["an object name with a slash", "/objects/a%2Fb/versions?class=internal"],
  ])("%s answers 400 invalid_request naming the field", async (_name, path) => {
    const tenant = await seedTenant();
    const response = await api(tenant, path, {
      method: "POST",
      body: utf8("z"),
      headers: { "Content-Length": "1" },
    });
    expect(response.status).toBe(400);
    const problem = await response.json<{ code: string; issues: unknown[] }>();
    expect(problem.code).toBe("invalid_request");
    expect(problem.issues.length).toBeGreaterThan(0);
  });

  it("records version.published in the audit log in the same batch", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("audited"), { name: "audited" });
    const response = await api(tenant, `/audit?versionId=${version.versionId}`);
    const { events } = await response.json<{ events: Record<string, unknown>[] }>();
    expect(events).toEqual([
      expect.objectContaining({
        action: "version.published",
        outcome: "succeeded",
        actor: tenant.principal,
        versionId: version.versionId,
        tenantId: tenant.tenantId,
      }),
    ]);
  });

  it("keeps a zero-byte file", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, new Uint8Array(0), { name: "empty" });
    expect(version.size).toBe(0);
    expect(version.sha256).toBe(await sha256Hex(new Uint8Array(0)));
  });
});

interface Problem {
  code: string;
  detail: string;
  issues: { field: string; message: string }[];
}

async function publishTo(tenant: TestTenant, query: string, headers: Record<string, string> = {}) {
  return api(tenant, `/objects/checked/versions?class=internal${query}`, {
    method: "POST",
    body: utf8("z"),
    headers: { "Content-Length": "1", ...headers },
  });
}

async function expectInvalid(response: Response, field: string, message: string | RegExp) {
  expect(response.status, await response.clone().text()).toBe(400);
  const problem = await response.json<Problem>();
  expect(problem.code).toBe("invalid_request");
  expect(problem.issues).toEqual([{ field, message: expect.stringMatching(message) }]);
  expect(problem.detail).toMatch(message);
}

async function storedKeys(tenant: TestTenant): Promise<string[]> {
  const listed = await env.FILES.list({ prefix: `tenants/${tenant.tenantId}/` });
  return listed.objects.map((object) => object.key);
}

describe("publish: the Content-Type header", () => {
  it.each([
    ";;;/",
    "text",
    "text/",
    "/csv",
    "text/csv/extra",
    "text csv",
    "text/csv; charset",
    "text/csv; =utf-8",
    'text/csv; charset="utf-8',
    "text/csv, text/plain",
  ])(
    "must be an RFC 9110 media type: %j answers 400 naming Content-Type, stores nothing",
    async (contentType) => {
      const tenant = await seedTenant();

      const response = await publishTo(tenant, "", { "Content-Type": contentType });

      await expectInvalid(response, "Content-Type", /^Content-Type is not a media type/);
      expect(await storedKeys(tenant)).toEqual([]);
    },
  );

  it.each([
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv; charset=utf-8",
    'text/plain;charset="utf-8";format=flowed',
    'application/x-model; note="a \\"quoted\\" word"',
  ])("a well-formed media type is stored as sent: %j", async (contentType) => {
    const tenant = await seedTenant();

    const response = await publishTo(tenant, "", { "Content-Type": contentType });

    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toMatchObject({ contentType });
  });

  it("a missing Content-Type is stored as application/octet-stream", async () => {
    const tenant = await seedTenant();

    const response = await publishTo(tenant, "");

    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toMatchObject({ contentType: "application/octet-stream" });
  });
});

describe("publish: query parameters", () => {
  it("an unknown parameter answers 400 naming it, even beside repeated labels", async () => {
    const tenant = await seedTenant();

    const misspelt = await publishTo(tenant, "&modelversion=v2");
    const withLabels = await publishTo(tenant, "&label=a=1&label=b=2&recipientgroup=ward-4");

    await expectInvalid(misspelt, "(root)", /Unknown query parameter "modelversion";/);
    await expectInvalid(withLabels, "(root)", /Unknown query parameter "recipientgroup";/);
    expect(await storedKeys(tenant)).toEqual([]);
  });

  it("repeated labels with distinct keys are all kept", async () => {
    const tenant = await seedTenant();

    const response = await publishTo(tenant, "&label=a=1&label=b=2&label=c=");

    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toMatchObject({ labels: { a: "1", b: "2", c: "" } });
  });

  it("a label key given twice answers 400 naming it, rather than keeping the last", async () => {
    const tenant = await seedTenant();

    const response = await publishTo(tenant, "&label=fy=2024&label=source=cms&label=fy=2025");

    await expectInvalid(
      response,
      "label.2",
      'Label "fy" is given more than once; give each key once.',
    );
    expect(await storedKeys(tenant)).toEqual([]);
  });

  it.each([
    ["a label without '='", "&label=novalue", "label", "Write a label as key=value."],
    [
      "a key with a space",
      "&label=bad%20key=1",
      "label",
      "Label keys are 1-64 letters, digits, '.', '_' or '-'.",
    ],
    [
      "a key of 65 characters",
      `&label=${"k".repeat(65)}=1`,
      "label",
      "Label keys are 1-64 letters, digits, '.', '_' or '-'.",
    ],
    [
      "a value of 257 characters",
      `&label=note=${"v".repeat(257)}`,
      "label",
      'The value of label "note" is 257 characters; at most 256 are allowed.',
    ],
    [
      "a second label's value over the limit",
      `&label=a=1&label=note=${"v".repeat(300)}`,
      "label.1",
      'The value of label "note" is 300 characters; at most 256 are allowed.',
    ],
    [
      "33 labels",
      Array.from({ length: 33 }, (_, index) => `&label=k${index}=v`).join(""),
      "label",
      "At most 32 labels; this request has 33.",
    ],
  ])(
    "%s answers 400 with its own message, stating the limit",
    async (_case, query, field, message) => {
      const tenant = await seedTenant();

      const response = await publishTo(tenant, query);

      await expectInvalid(response, field, message);
    },
  );

  it("accepts labels at their limits: 32 labels, 64-char key, 256-char value", async () => {
    const tenant = await seedTenant();
    const query = [
      `&label=${"k".repeat(64)}=${"v".repeat(256)}`,
      ...Array.from({ length: 31 }, (_, index) => `&label=k${index}=v`),
    ].join("");

    const response = await publishTo(tenant, query);

    expect(response.status, await response.clone().text()).toBe(201);
    const { labels } = await response.json<{ labels: Record<string, string> }>();
    expect(Object.keys(labels)).toHaveLength(32);
    expect(labels["k".repeat(64)]).toHaveLength(256);
  });
});

describe("file names recipients will see", () => {
  it.each([
    ["a right-to-left override", "invoice\u202efdp.exe"],
    ["a zero-width space", "ward\u200b4.csv"],
    ["a path separator", "../ward4.csv"],
  ])("refuses %s with 400 naming filename", async (_name, filename) => {
    const tenant = await seedTenant();
    const response = await publishRaw(tenant, utf8("x"), { filename });
    expect(response.status).toBe(400);
    const problem = await response.json<{ issues: { field: string }[] }>();
    expect(problem.issues.map((issue) => issue.field)).toContain("filename");
  });

  it("accepts names in any script", async () => {
    const tenant = await seedTenant();
    const filename = "患者リスク_Übersicht.csv";
    const version = await publish(tenant, utf8("x"), { filename });
    expect(version.filename).toBe("患者リスク_Übersicht.csv");
  });
});
