/**
 * Downloading a bundle: the four sample files (../shared/data, here examples/) as one ZIP under
 * one link, with exact length, ranges and resumption like any file, and an audit that records the
 * bundle's download and each member delivered.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import contentDisposition from "content-disposition";
import { describe, expect, it, vi } from "vitest";
import { linkGuard } from "../../src/links/guard-client.ts";
import {
  api,
  call,
  concat,
  confirmAndGetSessionPath,
  flushAudit,
  seedTenant,
  sha256Hex,
  type TestTenant,
  withAction,
} from "../support/harness.ts";
import {
  type BundleBody,
  type BundleLink,
  bytesOf,
  createBundle,
  issueBundleLink,
  problem,
  publishSamples,
  SHA256SUMS,
} from "./support.ts";
import { readZip } from "./zip-reader.ts";

const KIB = 1024;

interface Fixture {
  tenant: TestTenant;
  versionIds: string[];
  bundle: BundleBody;
  link: BundleLink;
}

/** The four samples published, bundled, and linked once (restricted, one use). */
async function sampleBundle(): Promise<Fixture> {
  const tenant = await seedTenant();
  const versionIds = await publishSamples(tenant);
  const bundle = await createBundle(tenant, versionIds, "readmission-pack");
  const link = await issueBundleLink(tenant, bundle.bundleId, { maxUses: 1 });
  return { tenant, versionIds, bundle, link };
}

interface AuditRow {
  action: string;
  versionId: string | null;
  bytesServed: number | null;
  detail: Record<string, unknown> | null;
}

async function auditOf(tenant: TestTenant, query: string): Promise<AuditRow[]> {
  const response = await api(tenant, `/audit?${query}&limit=500`);
  expect(response.status).toBe(200);
  return (await response.json<{ events: AuditRow[] }>()).events;
}

describe("a bundle of the four sample files", () => {
  it("downloads as one ZIP whose members match examples/SHA256SUMS and its manifest", async () => {
    const { bundle, link } = await sampleBundle();
    const response = await call(await confirmAndGetSessionPath(link.path));
    expect(response.status).toBe(200);
    const zip = await bytesOf(response);

    expect(response.headers.get("Content-Type")).toBe("application/zip");
    expect(response.headers.get("Content-Length")).toBe(String(zip.byteLength));
    expect(zip.byteLength).toBe(bundle.size);
    const disposition = contentDisposition.parse(response.headers.get("Content-Disposition") ?? "");
    expect(disposition).toMatchObject({
      type: "attachment",
      parameters: { filename: "readmission-pack.zip" },
    });

    const [manifest, ...members] = readZip(zip);
    expect(manifest?.name).toBe("MANIFEST.sha256");
    expect(members.map((member) => member.name)).toEqual(Object.keys(SHA256SUMS));
    for (const member of members) {
      expect(await sha256Hex(member.data), member.name).toBe(SHA256SUMS[member.name]);
    }
    const manifestLines = new TextDecoder().decode(manifest?.data).trimEnd().split("\n");
    expect(manifestLines).toEqual(
      Object.entries(SHA256SUMS).map(([filename, sha256]) => `${sha256}  ${filename}`),
    );
    expect(new TextDecoder().decode(manifest?.data)).toBe(bundle.manifest);
  });

  it("has a strong ETag but no Repr-Digest: the whole ZIP's digest is unknown ahead", async () => {
    const { link } = await sampleBundle();
    const response = await call(await confirmAndGetSessionPath(link.path));
    const zip = await bytesOf(response);

    const etag = response.headers.get("ETag") ?? "";
    expect(etag).toMatch(/^"sha256-[0-9a-f]{64}"$/);
    // The tag is derived from the bundle's canonical manifest, not from the ZIP's bytes.
    expect(etag).not.toBe(`"sha256-${await sha256Hex(zip)}"`);
    expect(response.headers.has("Repr-Digest")).toBe(false);
    expect(response.headers.get("Accept-Ranges")).toBe("bytes");
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });

  it("bytes=1000-2999, a suffix range and an If-Range resume match the full ZIP", async () => {
    const { link } = await sampleBundle();
    const sessionPath = await confirmAndGetSessionPath(link.path);
    const full = await call(sessionPath);
    const zip = await bytesOf(full);
    const size = zip.byteLength;
    const etag = full.headers.get("ETag") ?? "";

    const middle = await call(sessionPath, { headers: { Range: "bytes=1000-2999" } });
    expect(middle.status).toBe(206);
    expect(middle.headers.get("Content-Range")).toBe(`bytes 1000-2999/${size}`);
    expect(middle.headers.get("Content-Length")).toBe("2000");
    expect(await bytesOf(middle)).toEqual(zip.slice(1000, 3000));

    const suffix = await call(sessionPath, { headers: { Range: "bytes=-5000" } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get("Content-Range")).toBe(`bytes ${size - 5000}-${size - 1}/${size}`);
    expect(await bytesOf(suffix)).toEqual(zip.slice(size - 5000));

    const resumed = await call(sessionPath, {
      headers: { Range: "bytes=2119000-", "If-Range": etag },
    });
    expect(resumed.status).toBe(206);
    expect(await bytesOf(resumed)).toEqual(zip.slice(2_119_000));

    const beyond = await call(sessionPath, { headers: { Range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("Content-Range")).toBe(`bytes */${size}`);
  });

  it("cut at 64 KiB and resumed, completes once, each member recorded delivered once", async () => {
    const { tenant, versionIds, bundle, link } = await sampleBundle();
    const sessionPath = await confirmAndGetSessionPath(link.path);

    const first = await call(sessionPath);
    const reader = first.body?.getReader();
    if (!reader) throw new Error("the download has no body");
    const head: Uint8Array[] = [];
    let received = 0;
    while (received < 64 * KIB) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error("the body ended before 64 KiB");
      head.push(chunk.value);
      received += chunk.value.byteLength;
    }
    await reader.cancel();
    await vi.waitFor(async () => {
      expect((await sessionRows(link.id))[0]?.bytes_served).toBeGreaterThanOrEqual(64 * KIB);
    });
    expect((await sessionRows(link.id))[0]?.completed_at).toBeNull();

    const resumed = await call(sessionPath, { headers: { Range: `bytes=${64 * KIB}-` } });
    expect(resumed.status).toBe(206);
    const zip = concat([concat(head).slice(0, 64 * KIB), await bytesOf(resumed)]);
    expect(zip.byteLength).toBe(bundle.size);
    for (const member of readZip(zip).slice(1)) {
      expect(await sha256Hex(member.data)).toBe(SHA256SUMS[member.name]);
    }
    // A second whole download in the same session completes nothing more.
    expect((await bytesOf(await call(sessionPath))).byteLength).toBe(bundle.size);

    await flushAudit(link.id);
    const events = await auditOf(tenant, `linkId=${link.id}`);
    expect(withAction(events, "download.started")).toHaveLength(1);
    const completed = withAction(events, "download.completed");
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      versionId: null,
      detail: expect.objectContaining({ bundleId: bundle.bundleId }),
    });
    const delivered = withAction(events, "bundle.member_delivered");
    expect(delivered.map((event) => event.versionId).sort()).toEqual([...versionIds].sort());
    for (const member of bundle.members) {
      expect(delivered.find((event) => event.versionId === member.versionId)?.detail).toEqual({
        bundleId: bundle.bundleId,
        memberVersionId: member.versionId,
        filename: member.filename,
        sha256: member.sha256,
        size: member.size,
      });
    }
    const state = await api(tenant, `/links/${link.id}`);
    expect(await state.json()).toMatchObject({ usesSpent: 1, status: "used_up" });
  });

  it("files link events under no version, each member delivered under its version", async () => {
    const { tenant, versionIds, link } = await sampleBundle();
    await bytesOf(await call(await confirmAndGetSessionPath(link.path)));
    await flushAudit(link.id);

    const member = versionIds[1] ?? "";
    const byVersion = await auditOf(tenant, `versionId=${member}`);
    expect(byVersion.map((event) => event.action).sort()).toEqual([
      "bundle.member_delivered",
      "version.published",
    ]);
    const byLink = await auditOf(tenant, `linkId=${link.id}`);
    for (const event of byLink) {
      if (event.action !== "bundle.member_delivered") expect(event.versionId).toBeNull();
    }
  });

  it("HEAD gives the ZIP's exact length and headers without reading R2", async () => {
    const { tenant, versionIds, bundle, link } = await sampleBundle();
    const sessionPath = await confirmAndGetSessionPath(link.path);
    // With every member's bytes gone, only an answer that never touches R2 can still succeed.
    for (const versionId of versionIds) {
      await env.FILES.delete(`tenants/${tenant.tenantId}/versions/${versionId}`);
    }

    const whole = await call(sessionPath, { method: "HEAD" });
    expect(whole.status).toBe(200);
    expect(whole.headers.get("Content-Length")).toBe(String(bundle.size));
    expect(whole.headers.get("Content-Type")).toBe("application/zip");
    expect(whole.headers.has("Repr-Digest")).toBe(false);
    expect((await bytesOf(whole)).byteLength).toBe(0);

    const ranged = await call(sessionPath, { method: "HEAD", headers: { Range: "bytes=-100" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("Content-Range")).toBe(
      `bytes ${bundle.size - 100}-${bundle.size - 1}/${bundle.size}`,
    );
    expect((await sessionRows(link.id))[0]).toMatchObject({ bytes_served: 0, completed_at: null });
  });

  it("a first member missing from storage answers 503 and gives the use back", async () => {
    const { tenant, versionIds, link } = await sampleBundle();
    const sessionPath = await confirmAndGetSessionPath(link.path);
    await env.FILES.delete(`tenants/${tenant.tenantId}/versions/${versionIds[0]}`);

    const response = await call(sessionPath, { headers: { Accept: "application/json" } });
    expect(response.status).toBe(503);
    expect(await problem(response)).toMatchObject({ code: "storage_unavailable" });
    const state = await api(tenant, `/links/${link.id}`);
    expect(await state.json()).toMatchObject({ usesSpent: 0 });
  });
});

describe("the landing of a bundle link", () => {
  it("describes the ZIP and lists each member's name, size and sha256 in JSON", async () => {
    const { bundle, link } = await sampleBundle();
    const response = await call(link.path, { headers: { Accept: "application/json" } });
    expect(response.status).toBe(200);

    expect(await response.json()).toMatchObject({
      class: "restricted",
      file: {
        filename: "readmission-pack.zip",
        contentType: "application/zip",
        size: bundle.size,
        sha256: null,
        versionNumber: null,
      },
      bundle: {
        manifest: "MANIFEST.sha256",
        members: bundle.members.map(({ filename, size, sha256 }) => ({ filename, size, sha256 })),
      },
    });
  });

  it("the page lists each member's name, size and sha256; the ZIP has no digest", async () => {
    const { bundle, link } = await sampleBundle();
    const response = await call(link.path, { headers: { Accept: "text/html" } });
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(html).toContain("readmission-pack.zip");
    expect(html).toContain("Download ZIP");
    for (const member of bundle.members) {
      expect(html).toContain(member.filename);
      expect(html).toContain(member.sha256);
      expect(html).toContain(member.size.toLocaleString("en-US"));
    }
    expect(html).toContain("sha256sum -c MANIFEST.sha256");
    expect(html).toContain("no SHA-256 of the ZIP itself");
  });
});

function sessionRows(linkId: string) {
  return runInDurableObject(linkGuard(env, linkId), (_instance, state) =>
    state.storage.sql
      .exec<{ bytes_served: number; completed_at: number | null }>(
        "SELECT bytes_served, completed_at FROM sessions",
      )
      .toArray(),
  );
}
