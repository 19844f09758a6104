import { env } from "cloudflare:workers";
import contentDisposition from "content-disposition";
import { describe, expect, it } from "vitest";
import {
  api,
  call,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  utf8,
} from "../support/harness.ts";

async function usesSpent(tenant: Awaited<ReturnType<typeof seedTenant>>, linkId: string) {
  const response = await api(tenant, `/links/${linkId}`);
  return (await response.json<{ usesSpent: number }>()).usesSpent;
}

describe("GET /d/{token}: the landing page", () => {
  it("5 HEADs, 3 preview-bot GETs and a JSON GET leave a one-time link unspent", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("scanner-proof"), { class: "restricted" });
    const link = await issue(tenant, version.versionId, { maxUses: 1 });

    for (let i = 0; i < 5; i += 1) {
      const head = await call(link.path, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");
    }
    const bots = [
      "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
      "Mozilla/5.0 (compatible; Microsoft Office Protocol Discovery; SafeLinks)",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36",
    ];
    for (const userAgent of bots) {
      const preview = await call(link.path, {
        headers: { "User-Agent": userAgent, "Sec-Purpose": "prefetch", Accept: "text/html" },
      });
      expect(preview.status).toBe(200);
    }
    const asJson = await call(link.path, { headers: { Accept: "application/json" } });
    expect(asJson.status).toBe(200);

    expect(await usesSpent(tenant, link.id)).toBe(0);
    // The link still opens afterwards: nothing was consumed.
    await confirmAndGetSessionPath(link.path);
    expect(await usesSpent(tenant, link.id)).toBe(1);
  });

  it("describes the file in JSON for API clients", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("id,risk\n1,0.3\n"), {
      name: "ward-4-risk",
      class: "restricted",
      filename: "ward4_risk.csv",
      query: {
        modelVersion: "xgb-2.3.1",
        trainingWindow: "2023-01/2023-12",
        recipientGroup: "cardiology",
      },
    });
    const link = await issue(tenant, version.versionId, { maxUses: 2, ttlSeconds: 3600 });

    const response = await call(link.path, { headers: { Accept: "application/json" } });
    expect(await response.json()).toEqual({
      status: "active",
      denial: null,
      expiresAt: link.expiresAt,
      usesLeft: 2,
      maxUses: 2,
      class: "restricted",
      policy: expect.stringContaining("restricted"),
      file: expect.objectContaining({
        filename: "ward4_risk.csv",
        size: version.size,
        sha256: version.sha256,
        objectName: "ward-4-risk",
        versionNumber: 1,
        modelVersion: "xgb-2.3.1",
        trainingWindow: "2023-01/2023-12",
        recipientGroup: "cardiology",
      }),
    });
  });

  it("pages leak nothing to previews and carry the strict headers", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("x"), { filename: "patient_cohort_ward4.csv" });
    const link = await issue(tenant, version.versionId);
    const response = await call(link.path, { headers: { Accept: "text/html" } });
    const html = await response.text();

    expect(html).toContain("patient_cohort_ward4.csv");
    expect(html).not.toMatch(/<title>[^<]*patient_cohort/);
    expect(html).not.toMatch(/og:|twitter:/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("X-Robots-Tag")).toContain("noindex");
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(html).toMatch(/<form[^>]*method="post"/i);
  });

  it("records each view in the audit without spending", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("viewed"));
    const link = await issue(tenant, version.versionId);
    await call(link.path, { headers: { Accept: "text/html", "User-Agent": "curl/8.5.0" } });
    await flushAudit(link.id);

    const audit = await api(tenant, `/audit?linkId=${link.id}&action=link.viewed`);
    const { events } = await audit.json<{ events: Record<string, unknown>[] }>();
    expect(events).toEqual([
      expect.objectContaining({ outcome: "allowed", userAgent: "curl/8.5.0", actor: null }),
    ]);
  });
});

describe("file responses", () => {
  it.each([
    "Übersicht_Kardiologie_2024 – März.csv",
    "患者リスク_病棟4.csv",
    'risk "final"; v2.csv',
  ])("the filename %s survives Content-Disposition", async (filename) => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { filename });
    const link = await issue(tenant, version.versionId);
    const download = await call(await confirmAndGetSessionPath(link.path));

    const header = download.headers.get("Content-Disposition") ?? "";
    const parsed = contentDisposition.parse(header);
    expect(parsed.type).toBe("attachment");
    expect(parsed.parameters.filename).toBe(filename);
    // Header values must stay ASCII; the exact name travels in filename*.
    expect(/^[\x20-\x7e]*$/.test(header)).toBe(true);
  });

  it("carry exact length, a strong ETag from the sha256 and no-store", async () => {
    const tenant = await seedTenant();
    const bytes = new Uint8Array(env.SAMPLE_MODEL_CARD);
    const version = await publish(tenant, bytes, { contentType: "text/markdown" });
    const link = await issue(tenant, version.versionId);
    const download = await call(await confirmAndGetSessionPath(link.path));

    expect(download.headers.get("Content-Length")).toBe(String(bytes.byteLength));
    expect(download.headers.get("ETag")).toBe(`"sha256-${version.sha256}"`);
    expect(download.headers.get("Cache-Control")).toBe("no-store");
    expect(download.headers.get("Content-Type")).toBe("text/markdown");
    expect((await download.arrayBuffer()).byteLength).toBe(bytes.byteLength);
  });
});

describe("landing pages of links that would refuse the reader", () => {
  it("say what happened and name nothing about the file, in HTML and JSON", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("x"), {
      name: "ward-4-cohort",
      filename: "jane_doe_mrn_0042.csv",
    });
    const link = await issue(tenant, version.versionId);
    await api(tenant, `/links/${link.id}/revoke`, { method: "POST" });

    const page = await call(link.path, { headers: { Accept: "text/html" } });
    expect(page.status).toBe(410);
    const html = await page.text();
    expect(html).toMatch(/withdrawn/i);
    for (const detail of ["jane_doe", "ward-4-cohort", version.sha256]) {
      expect(html).not.toContain(detail);
    }
    const json = await call(link.path, { headers: { Accept: "application/json" } });
    expect(json.status).toBe(410);
    expect(await json.text()).not.toContain("jane_doe");
  });
});
