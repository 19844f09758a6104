import { parse as parseDisposition } from "content-disposition";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeliveredFile } from "../../src/links/model.ts";
import { asciiFallback, fileHeaders, strongEtag } from "../../src/recipient/file-headers.ts";

const CONTENT = new TextEncoder().encode("patient_id,risk\n1,0.12\n2,0.87\n");

async function sha256(bytes: Uint8Array): Promise<{ hex: string; base64: string }> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return { hex, base64: btoa(String.fromCharCode(...digest)) };
}

async function deliveredFile(overrides: Partial<DeliveredFile> = {}): Promise<DeliveredFile> {
  return {
    versionId: "ver_1P9xQm0sTq2dV7cYb3kLwA",
    objectName: "readmission-risk-ward-4",
    versionNumber: 3,
    storageKey: "t/ten_x/v/ver_1P9xQm0sTq2dV7cYb3kLwA",
    filename: "readmission-risk.csv",
    contentType: "text/csv",
    size: CONTENT.byteLength,
    sha256: (await sha256(CONTENT)).hex,
    modelVersion: "lace-2.1",
    trainingWindow: "2023-01-01/2023-12-31",
    recipientGroup: "cardiology-analytics",
    publishedAt: Date.UTC(2026, 11, 3, 16, 30, 31, 250),
    ...overrides,
  };
}

/** The publish schema refuses control characters and path separators in file names. */
function isPublishable(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code >= 0x20 && code !== 0x7f && char !== "/" && char !== "\\";
}

/** What a client that supports RFC 8187 (every current browser) will save the file as. */
function savedName(headers: Headers): string | undefined {
  const disposition = parseDisposition(headers.get("Content-Disposition") ?? "");
  return disposition.parameters.filename;
}

describe("fileHeaders, whole file", () => {
  it("describes the exact bytes: type, length, strong ETag, digest, ranges accepted", async () => {
    const file = await deliveredFile();
    const headers = fileHeaders(file);

    expect(headers.get("Content-Type")).toBe("text/csv");
    expect(headers.get("Content-Length")).toBe(String(CONTENT.byteLength));
    expect(headers.get("ETag")).toBe(`"sha256-${file.sha256}"`);
    expect(headers.get("Accept-Ranges")).toBe("bytes");
    expect(headers.has("Content-Range")).toBe(false);
  });

  it("Repr-Digest is the base64 raw sha-256 digest, as an RFC 9530 byte sequence", async () => {
    const { base64 } = await sha256(CONTENT);
    const headers = fileHeaders(await deliveredFile());
    expect(headers.get("Repr-Digest")).toBe(`sha-256=:${base64}:`);
  });

  it("Last-Modified is the publish time as an IMF-fixdate", async () => {
    const headers = fileHeaders(await deliveredFile());
    expect(headers.get("Last-Modified")).toBe("Thu, 03 Dec 2026 16:30:31 GMT");
  });

  it("is always an attachment, with only a plain filename for a plain ASCII name", async () => {
    const headers = fileHeaders(await deliveredFile());
    expect(headers.get("Content-Disposition")).toBe("attachment; filename=readmission-risk.csv");
  });

  it("a file rendered by mistake runs sandboxed with nothing to load", async () => {
    const headers = fileHeaders(await deliveredFile({ contentType: "text/html" }));
    expect(headers.get("Content-Security-Policy")).toBe("default-src 'none'; sandbox");
  });

  it("an empty content type falls back to application/octet-stream", async () => {
    const headers = fileHeaders(await deliveredFile({ contentType: " " }));
    expect(headers.get("Content-Type")).toBe("application/octet-stream");
  });

  it("a zero-length file has Content-Length 0", async () => {
    const { hex } = await sha256(new Uint8Array());
    const headers = fileHeaders(await deliveredFile({ size: 0, sha256: hex }));
    expect(headers.get("Content-Length")).toBe("0");
  });
});

describe("fileHeaders, one part", () => {
  it("Content-Length counts the part and Content-Range names it inclusively", async () => {
    const file = await deliveredFile({ size: 1000 });
    const headers = fileHeaders(file, { start: 100, end: 199 });

    expect(headers.get("Content-Length")).toBe("100");
    expect(headers.get("Content-Range")).toBe("bytes 100-199/1000");
    expect(headers.get("ETag")).toBe(`"sha256-${file.sha256}"`);
  });

  it("still carries Repr-Digest, describing the whole representation (RFC 9530 §3)", async () => {
    const { base64 } = await sha256(CONTENT);
    const headers = fileHeaders(await deliveredFile(), { start: 0, end: 0 });
    expect(headers.get("Repr-Digest")).toBe(`sha-256=:${base64}:`);
  });

  it("a part outside the file is a caller bug and throws", async () => {
    const file = await deliveredFile({ size: 10 });
    for (const part of [
      { start: 0, end: 10 },
      { start: 5, end: 4 },
      { start: -1, end: 3 },
      { start: 0.5, end: 3 },
    ]) {
      expect(() => fileHeaders(file, part), JSON.stringify(part)).toThrow(RangeError);
    }
  });
});

describe("Content-Disposition file names", () => {
  it.each([
    ["Übersicht_Kardiologie_2024 – März.csv", "Ubersicht_Kardiologie_2024 - Marz.csv"],
    ["患者リスク.csv", "readmission-risk-ward-4.csv"],
    ["Risiko für Station 4 “final”.xlsx", "Risiko fur Station 4 'final'.xlsx"],
    ["résumé…", "resume..."],
    ["report%20final.csv", "report_20final.csv"],
  ])("%s survives in filename* with a readable ASCII fallback", async (name, fallback) => {
    const headers = fileHeaders(await deliveredFile({ filename: name }));
    const value = headers.get("Content-Disposition") ?? "";

    expect(value).toMatch(/^attachment; /);
    expect(value).toContain("filename*=UTF-8''");
    expect(savedName(headers)).toBe(name);
    // Clients without RFC 8187 see only the plain parameter.
    const plain = parseDisposition(value, { extended: false }).parameters.filename;
    expect(plain).toBe(fallback);
    expect(plain).toMatch(/^[\x20-\x7e]+$/);
  });

  it("quotes and backslashes in a name are escaped, not able to end the parameter", async () => {
    const name = 'q3 "final" \\ draft; filename=evil.exe.csv';
    const headers = fileHeaders(await deliveredFile({ filename: name }));
    expect(savedName(headers)).toBe(name);
  });

  it("any name a publisher can give (no controls or separators) round-trips", async () => {
    const file = await deliveredFile();
    const publishable = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 60 })
      .filter((name) => [...name].every(isPublishable));

    fc.assert(
      fc.property(publishable, (filename) => {
        const headers = fileHeaders({ ...file, filename });
        expect(savedName(headers)).toBe(filename);
        expect(asciiFallback({ filename, objectName: file.objectName })).toMatch(/^[\x20-\x7e]+$/);
      }),
      { numRuns: 500 },
    );
  });

  it("a lone surrogate becomes U+FFFD instead of breaking the header", async () => {
    const headers = fileHeaders(await deliveredFile({ filename: "risk\uD800.csv" }));
    expect(savedName(headers)).toBe("risk\uFFFD.csv");
  });
});

describe("strongEtag", () => {
  it('is "sha256-<lowercase hex>", quoted and never weak', () => {
    const etag = strongEtag("AB".repeat(32));
    expect(etag).toBe(`"sha256-${"ab".repeat(32)}"`);
    expect(etag).toMatch(/^"sha256-[0-9a-f]{64}"$/);
  });

  it("refuses anything that is not a sha-256 digest", () => {
    for (const digest of ["", "ab", "g".repeat(64), "a".repeat(63), "a".repeat(65), '"x"']) {
      expect(() => strongEtag(digest), digest).toThrow(TypeError);
    }
  });
});
