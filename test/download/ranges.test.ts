/**
 * RFC 9110 range and conditional semantics on the download session URL (`/s/{token}`), against
 * the real 2 MB HRRP CSV so every range crosses R2 chunk boundaries.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { parse as parseDisposition } from "content-disposition";
import { describe, expect, it } from "vitest";
import { linkGuard } from "../../src/links/guard-client.ts";
import {
  api,
  call,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  sha256Hex,
} from "../support/harness.ts";

const HRRP_SIZE = 2_119_559;

interface Fixture {
  tenant: Awaited<ReturnType<typeof seedTenant>>;
  bytes: Uint8Array;
  versionId: string;
  linkId: string;
  sessionPath: string;
  etag: string;
}

/** A fresh tenant, the HRRP CSV published as a restricted file, and a confirmed session on it. */
async function hrrpSession(bytes = new Uint8Array(env.SAMPLE_HRRP_CSV)): Promise<Fixture> {
  const tenant = await seedTenant();
  const version = await publish(tenant, bytes, {
    class: "restricted",
    filename: "FY_2024_Hospital_Readmissions_Reduction_Program_Hospital.csv",
  });
  const link = await issue(tenant, version.versionId, { maxUses: 1 });
  const sessionPath = await confirmAndGetSessionPath(link.path);
  return {
    tenant,
    bytes,
    versionId: version.versionId,
    linkId: link.id,
    sessionPath,
    etag: `"sha256-${await sha256Hex(bytes)}"`,
  };
}

function get(path: string, headers: HeadersInit = {}): Promise<Response> {
  return call(path, { headers });
}

async function body(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

async function problem(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  return response.json<{ code: string; status: number }>();
}

describe("byte ranges on a download session", () => {
  it("the sample is the 2,119,559-byte HRRP CSV these tests assume", () => {
    expect(env.SAMPLE_HRRP_CSV.byteLength).toBe(HRRP_SIZE);
  });

  it("bytes=0-99 answers 206, Content-Range, Content-Length 100, exactly those bytes", async () => {
    const { sessionPath, bytes } = await hrrpSession();
    const response = await get(sessionPath, { Range: "bytes=0-99" });

    expect(response.status).toBe(206);
    expect(response.headers.get("Content-Range")).toBe(`bytes 0-99/${HRRP_SIZE}`);
    expect(response.headers.get("Content-Length")).toBe("100");
    expect(response.headers.get("Accept-Ranges")).toBe("bytes");
    expect(await body(response)).toEqual(bytes.slice(0, 100));
  });

  it("an open-ended range (bytes=2119500-) answers the last 59 bytes", async () => {
    const { sessionPath, bytes } = await hrrpSession();
    const response = await get(sessionPath, { Range: "bytes=2119500-" });

    expect(response.status).toBe(206);
    expect(response.headers.get("Content-Range")).toBe(`bytes 2119500-2119558/${HRRP_SIZE}`);
    expect(response.headers.get("Content-Length")).toBe("59");
    expect(await body(response)).toEqual(bytes.slice(2_119_500));
  });

  it("a suffix range (bytes=-59) answers the same last 59 bytes", async () => {
    const { sessionPath, bytes } = await hrrpSession();
    const response = await get(sessionPath, { Range: "bytes=-59" });

    expect(response.status).toBe(206);
    expect(response.headers.get("Content-Range")).toBe(`bytes 2119500-2119558/${HRRP_SIZE}`);
    expect(response.headers.get("Content-Length")).toBe("59");
    expect(await body(response)).toEqual(bytes.slice(HRRP_SIZE - 59));
  });

  it("a range whose end lies past the file is clamped to the last byte", async () => {
    const { sessionPath, bytes } = await hrrpSession();
    const response = await get(sessionPath, { Range: "bytes=2119000-9999999" });

    expect(response.status).toBe(206);
    expect(response.headers.get("Content-Range")).toBe(`bytes 2119000-2119558/${HRRP_SIZE}`);
    expect(response.headers.get("Content-Length")).toBe("559");
    expect(await body(response)).toEqual(bytes.slice(2_119_000));
  });

  it("a range starting past the end answers 416 with Content-Range bytes */size", async () => {
    const { sessionPath } = await hrrpSession();
    const response = await get(sessionPath, { Range: "bytes=3000000-" });

    expect(response.status).toBe(416);
    expect(response.headers.get("Content-Range")).toBe(`bytes */${HRRP_SIZE}`);
    expect(await problem(response)).toMatchObject({ code: "range_not_satisfiable", status: 416 });
  });

  it.each([
    ["a malformed range", "bytes=abc"],
    ["an unknown range unit", "items=0-1"],
    ["several ranges", "bytes=0-99,200-299"],
  ])("%s (%s) is ignored: 200 with the whole file", async (_label, range) => {
    const { sessionPath, bytes } = await hrrpSession();
    const response = await get(sessionPath, { Range: range });

    expect(response.status).toBe(200);
    expect(response.headers.has("Content-Range")).toBe(false);
    expect(response.headers.get("Content-Length")).toBe(String(HRRP_SIZE));
    const received = await body(response);
    expect(received.byteLength).toBe(HRRP_SIZE);
    expect(await sha256Hex(received)).toBe(await sha256Hex(bytes));
  });
});

describe("file headers on a full download", () => {
  it("carries Repr-Digest and a strong sha256 ETag that match the bytes received", async () => {
    const { sessionPath, etag } = await hrrpSession();
    const response = await get(sessionPath);
    expect(response.status).toBe(200);

    const received = await body(response);
    expect(received.byteLength).toBe(HRRP_SIZE);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", received));
    const digestBase64 = btoa(String.fromCharCode(...digest));
    expect(response.headers.get("Repr-Digest")).toBe(`sha-256=:${digestBase64}:`);
    expect(response.headers.get("ETag")).toBe(`"sha256-${await sha256Hex(received)}"`);
    expect(response.headers.get("ETag")).toBe(etag);
    expect(response.headers.get("ETag")).not.toMatch(/^W\//);
  });

  it("is never cached, is always an attachment, and advertises byte ranges", async () => {
    const { sessionPath } = await hrrpSession();
    const response = await get(sessionPath);
    await response.arrayBuffer();

    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment;/);
    const disposition = parseDisposition(response.headers.get("Content-Disposition") ?? "");
    expect(disposition.type).toBe("attachment");
    expect(disposition.parameters.filename).toBe(
      "FY_2024_Hospital_Readmissions_Reduction_Program_Hospital.csv",
    );
    expect(response.headers.get("Accept-Ranges")).toBe("bytes");
    expect(response.headers.get("Content-Length")).toBe(String(HRRP_SIZE));
  });

  it("a partial response carries the whole file's Repr-Digest and the same ETag", async () => {
    const { sessionPath, bytes, etag } = await hrrpSession();
    const response = await get(sessionPath, { Range: "bytes=100-199" });
    await response.arrayBuffer();

    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    expect(response.status).toBe(206);
    expect(response.headers.get("Repr-Digest")).toBe(
      `sha-256=:${btoa(String.fromCharCode(...digest))}:`,
    );
    expect(response.headers.get("ETag")).toBe(etag);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });
});

describe("conditional requests", () => {
  it("If-Range with the current strong ETag resumes: 206 with the asked-for bytes", async () => {
    const { sessionPath, bytes, etag } = await hrrpSession();
    const response = await get(sessionPath, { Range: "bytes=1000000-", "If-Range": etag });

    expect(response.status).toBe(206);
    expect(response.headers.get("Content-Range")).toBe(`bytes 1000000-2119558/${HRRP_SIZE}`);
    expect(await body(response)).toEqual(bytes.slice(1_000_000));
  });

  it.each([
    ["the weak form of the ETag", (etag: string) => `W/${etag}`],
    ["a different ETag", () => `"sha256-${"0".repeat(64)}"`],
    ["a date", () => new Date().toUTCString()],
  ])("If-Range with %s sends the whole file (200)", async (_label, validator) => {
    const { sessionPath, bytes, etag } = await hrrpSession();
    const response = await get(sessionPath, {
      Range: "bytes=1000000-",
      "If-Range": validator(etag),
    });

    expect(response.status).toBe(200);
    expect(response.headers.has("Content-Range")).toBe(false);
    const received = await body(response);
    expect(received.byteLength).toBe(HRRP_SIZE);
    expect(await sha256Hex(received)).toBe(await sha256Hex(bytes));
  });

  it("If-None-Match with the ETag answers 304, no body, while the session is valid", async () => {
    const { sessionPath, etag } = await hrrpSession();
    const response = await get(sessionPath, { "If-None-Match": etag });

    expect(response.status).toBe(304);
    expect(response.headers.get("ETag")).toBe(etag);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.text()).toBe("");
  });

  it("If-None-Match with another ETag still sends the file", async () => {
    const { sessionPath } = await hrrpSession();
    const response = await get(sessionPath, { "If-None-Match": `"sha256-${"f".repeat(64)}"` });

    expect(response.status).toBe(200);
    expect((await body(response)).byteLength).toBe(HRRP_SIZE);
  });

  it("once the link is revoked, If-None-Match answers 410 link_revoked, never 304", async () => {
    const { tenant, linkId, sessionPath, etag } = await hrrpSession();
    const before = await get(sessionPath, { "If-None-Match": etag });
    expect(before.status).toBe(304);

    const revoked = await api(tenant, `/links/${linkId}/revoke`, { method: "POST" });
    expect(revoked.status).toBe(200);

    const after = await get(sessionPath, { "If-None-Match": etag, Accept: "application/json" });
    expect(after.status).toBe(410);
    expect(await problem(after)).toMatchObject({ code: "link_revoked", status: 410 });
  });
});

describe("a zero-length file", () => {
  it("downloads as 200 with Content-Length 0 and an empty body", async () => {
    const { sessionPath } = await hrrpSession(new Uint8Array(0));
    const response = await get(sessionPath);

    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Length")).toBe("0");
    expect((await body(response)).byteLength).toBe(0);
  });

  it("answers bytes=0-0 with 416 and Content-Range bytes */0", async () => {
    const { sessionPath } = await hrrpSession(new Uint8Array(0));
    const response = await get(sessionPath, { Range: "bytes=0-0" });

    expect(response.status).toBe(416);
    expect(response.headers.get("Content-Range")).toBe("bytes */0");
    expect(await problem(response)).toMatchObject({ code: "range_not_satisfiable" });
  });
});

describe("HEAD on a download session", () => {
  it("returns the file's headers and no body", async () => {
    const { sessionPath, etag } = await hrrpSession();
    const response = await call(sessionPath, { method: "HEAD" });

    expect(response.status).toBe(200);
    expect(response.headers.get("ETag")).toBe(etag);
    expect(response.headers.get("Accept-Ranges")).toBe("bytes");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment;/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("Content-Length")).toBe(String(HRRP_SIZE));
    expect((await body(response)).byteLength).toBe(0);
  });

  it("a ranged HEAD answers 206 with the Content-Range a GET would have", async () => {
    const { sessionPath } = await hrrpSession();
    const response = await call(sessionPath, { method: "HEAD", headers: { Range: "bytes=0-99" } });

    expect(response.status).toBe(206);
    expect(response.headers.get("Content-Range")).toBe(`bytes 0-99/${HRRP_SIZE}`);
    expect((await body(response)).byteLength).toBe(0);
  });

  it("does not count as delivery: no bytes served, no download.completed", async () => {
    const { tenant, linkId, sessionPath } = await hrrpSession();
    for (const range of [null, "bytes=0-", "bytes=-59"]) {
      const response = await call(sessionPath, {
        method: "HEAD",
        headers: range ? { Range: range } : {},
      });
      expect(response.status).toBe(range ? 206 : 200);
    }

    await flushAudit(linkId);
    expect(await sessionRows(linkId)).toEqual([{ bytes_served: 0, completed_at: null }]);
    expect(await auditActions(tenant, linkId)).not.toContain("download.completed");

    // The same session's GET is what delivers, and is recorded as such.
    const download = await call(sessionPath);
    expect((await body(download)).byteLength).toBe(HRRP_SIZE);
    await flushAudit(linkId);
    const [session] = await sessionRows(linkId);
    expect(session?.bytes_served).toBe(HRRP_SIZE);
    expect(session?.completed_at).not.toBeNull();
    expect(await auditActions(tenant, linkId)).toContain("download.completed");
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

async function auditActions(tenant: Fixture["tenant"], linkId: string): Promise<string[]> {
  const audit = await api(tenant, `/audit?linkId=${linkId}&limit=100`);
  const { events } = await audit.json<{ events: { action: string }[] }>();
  return events.map((event) => event.action);
}
