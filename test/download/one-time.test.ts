import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  api,
  call,
  confirm,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  sha256Hex,
} from "../support/harness.ts";

async function linkState(tenant: Awaited<ReturnType<typeof seedTenant>>, linkId: string) {
  const response = await api(tenant, `/links/${linkId}`);
  return response.json<{ status: string; usesSpent: number; usesLeft: number }>();
}

describe("a one-time link end to end", () => {
  it("serves the published sample byte-identical once, then answers link_used_up", async () => {
    const tenant = await seedTenant();
    const original = new Uint8Array(env.SAMPLE_KERAS_MODEL);
    const version = await publish(tenant, original, {
      name: "diabetes-readmission-nn",
      class: "restricted",
      filename: "diabetes_readmission_nn.keras",
      contentType: "application/zip",
    });
    const link = await issue(tenant, version.versionId, { maxUses: 1 });

    const landing = await call(link.path, { headers: { Accept: "text/html" } });
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("diabetes_readmission_nn.keras");
    expect(await linkState(tenant, link.id)).toMatchObject({ usesSpent: 0, status: "active" });

    const sessionPath = await confirmAndGetSessionPath(link.path);
    const download = await call(sessionPath);
    expect(download.status).toBe(200);
    const received = new Uint8Array(await download.arrayBuffer());
    expect(received.byteLength).toBe(original.byteLength);
    expect(await sha256Hex(received)).toBe(
      "9e01e0254400349721212b1b291da4f05a166279d5ef0fd2126e74b0b2ea5828",
    );

    const again = await confirm(link.path);
    expect(again.status).toBe(410);
    expect(again.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await again.json()).toMatchObject({ code: "link_used_up", status: 410 });
    expect(await linkState(tenant, link.id)).toMatchObject({ usesSpent: 1, status: "used_up" });
  });

  it("50 concurrent confirmations open exactly one session", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, new Uint8Array(env.SAMPLE_SYNTHEA_CSV), {
      class: "restricted",
      filename: "synthea_encounters.csv",
    });
    const link = await issue(tenant, version.versionId, { maxUses: 1 });

    const answers = await Promise.all(Array.from({ length: 50 }, () => confirm(link.path)));
    const statuses = answers.map((response) => response.status);
    expect(statuses.filter((status) => status === 303)).toHaveLength(1);
    expect(statuses.filter((status) => status === 410)).toHaveLength(49);
    const codes = await Promise.all(
      answers
        .filter((r) => r.status === 410)
        .map(async (r) => (await r.json<{ code: string }>()).code),
    );
    expect(new Set(codes)).toEqual(new Set(["link_used_up"]));

    await flushAudit(link.id);
    const audit = await api(tenant, `/audit?linkId=${link.id}&limit=100`);
    const { events } = await audit.json<{ events: { action: string; reason: string | null }[] }>();
    expect(events.filter((event) => event.action === "download.started")).toHaveLength(1);
    expect(
      events.filter((e) => e.action === "download.denied" && e.reason === "link_used_up"),
    ).toHaveLength(49);
  });

  it("a three-use link opens exactly three sessions under concurrency", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, new TextEncoder().encode("x"), { class: "restricted" });
    const link = await issue(tenant, version.versionId, { maxUses: 3 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => confirm(link.path)));
    expect(answers.filter((response) => response.status === 303)).toHaveLength(3);
    expect(await linkState(tenant, link.id)).toMatchObject({ usesSpent: 3, usesLeft: 0 });
  });
});
