/**
 * The bundle ZIP on its own (`src/bundles/zip.ts`, `src/bundles/names.ts`): its predicted length
 * is its real length, ZIP64 records are counted where sizes pass 4 GiB, its bytes never vary,
 * any span of it equals the same slice of the whole, and entry names never clash.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { entryNames, MANIFEST_NAME } from "../../src/bundles/names.ts";
import { canonicalDigest, manifestText, openBundleZip, zipLength } from "../../src/bundles/zip.ts";
import type { DeliveredBundle } from "../../src/links/model.ts";
import { sha256Hex } from "../support/harness.ts";
import { readZip } from "./zip-reader.ts";

const CREATED_AT = Date.UTC(2026, 2, 14, 9, 30, 12);
const GIB = 2 ** 30;

/** Stores each sample under a fresh R2 key and describes them as a bundle, in this order. */
async function storedBundle(files: Record<string, Uint8Array>): Promise<DeliveredBundle> {
  const prefix = `test/bundle-zip/${crypto.randomUUID()}`;
  const members = [];
  for (const [index, [filename, bytes]] of Object.entries(files).entries()) {
    const storageKey = `${prefix}/${index}`;
    await env.FILES.put(storageKey, bytes);
    members.push({
      versionId: `ver_test${index}`,
      storageKey,
      filename,
      size: bytes.byteLength,
      sha256: await sha256Hex(bytes),
    });
  }
  return { bundleId: "bdl_test", lastModified: CREATED_AT, members };
}

function samples(): Record<string, Uint8Array> {
  return {
    "hrrp.csv": new Uint8Array(env.SAMPLE_HRRP_CSV),
    "model.keras": new Uint8Array(env.SAMPLE_KERAS_MODEL),
    "empty.txt": new Uint8Array(0),
    "Übersicht – März.md": new Uint8Array(env.SAMPLE_MODEL_CARD),
  };
}

async function generate(bundle: DeliveredBundle, start = 0, end = zipLength(bundle) - 1) {
  const stream = await openBundleZip(env.FILES, bundle, { start, end });
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("the bundle ZIP's length", () => {
  it("predictLength equals the number of bytes actually streamed", async () => {
    const bundle = await storedBundle(samples());
    const zip = await generate(bundle);

    expect(zip.byteLength).toBe(zipLength(bundle));
  });

  it("counts ZIP64 records for a member over 4 GiB and for an entry that starts past 4 GiB", () => {
    // Metadata only: a 5 GiB member cannot be stored in a test, but its layout can be computed.
    const big = 5 * GIB;
    const member = (filename: string, size: number) => ({
      versionId: "ver_x",
      storageKey: "unused",
      filename,
      size,
      sha256: "0".repeat(64),
    });
    const bundle: DeliveredBundle = {
      bundleId: "bdl_big",
      lastModified: CREATED_AT,
      members: [member("big.bin", big), member("after.csv", 100)],
    };
    const manifestSize = new TextEncoder().encode(manifestText(bundle.members)).byteLength;

    // APPNOTE.TXT, entry by entry: local header (30 + name), data, data descriptor (16 bytes,
    // 24 with 8-byte ZIP64 sizes), then central header (46 + name + ZIP64 extra field).
    const local = (name: string, size: number, zip64: boolean) =>
      30 + name.length + size + (zip64 ? 24 : 16);
    const central = (name: string, extra: number) => 46 + name.length + extra;
    const expected =
      local(MANIFEST_NAME, manifestSize, false) +
      local("big.bin", big, true) +
      local("after.csv", 100, false) +
      central(MANIFEST_NAME, 0) +
      // Sizes overflow: the extra holds both sizes and the offset (4 + 8 + 8 + 8).
      central("big.bin", 28) +
      // Starts past 4 GiB: the extra holds the local header's offset (4 + 8).
      central("after.csv", 12) +
      // ZIP64 end of central directory record (56) and its locator (20), then the classic end.
      56 +
      20 +
      22;

    expect(zipLength(bundle)).toBe(expected);
    // The same members under 4 GiB need none of those 24 + 28 + 12 - 16 + 76 extra bytes.
    const small = { ...bundle, members: [member("big.bin", GIB), member("after.csv", 100)] };
    expect(zipLength(small)).toBe(expected - (big - GIB) - (8 + 28 + 12 + 76));
  });
});

describe("the bundle ZIP's bytes", () => {
  it("holds MANIFEST.sha256 first, then members stored, UTF-8 named, in bundle order", async () => {
    const files = samples();
    const bundle = await storedBundle(files);
    const entries = readZip(await generate(bundle));

    expect(entries.map((entry) => entry.name)).toEqual([MANIFEST_NAME, ...Object.keys(files)]);
    for (const entry of entries) {
      expect(entry.method).toBe(0);
      expect(entry.flags & 0x0800).toBe(0x0800);
    }
    for (const [index, bytes] of Object.values(files).entries()) {
      expect(entries[index + 1]?.data).toEqual(bytes);
    }
    const manifest = new TextDecoder().decode(entries[0]?.data);
    expect(manifest).toBe(manifestText(bundle.members));
    const hrrpDigest = await sha256Hex(new Uint8Array(env.SAMPLE_HRRP_CSV));
    expect(manifest.split("\n")[0]).toBe(`${hrrpDigest}  hrrp.csv`);
  });

  it("is byte-identical every time it is generated", async () => {
    const bundle = await storedBundle(samples());
    const first = await generate(bundle);
    const second = await generate(bundle);

    expect(await sha256Hex(second)).toBe(await sha256Hex(first));
  });

  it.each([
    ["the first 100 bytes", 0, 99],
    ["a span inside the first member", 1000, 2999],
    ["a span across two members", 2_119_000, 2_130_000],
    ["the last byte", -1, -1],
    ["the central directory", -400, -1],
  ])("%s equals the same slice of the whole ZIP", async (_label, from, to) => {
    const bundle = await storedBundle(samples());
    const whole = await generate(bundle);
    const start = from < 0 ? whole.byteLength + from : from;
    const end = to < 0 ? whole.byteLength + to : to;

    expect(await generate(bundle, start, end)).toEqual(whole.slice(start, end + 1));
  });

  it("a span that ends early never opens the members after it", async () => {
    const bundle = await storedBundle(samples());
    const whole = await generate(bundle);
    const last = bundle.members.at(-1);
    if (!last) throw new Error("no members");
    await env.FILES.delete(last.storageKey);

    expect(await generate(bundle, 0, 4095)).toEqual(whole.slice(0, 4096));
  });

  it("refuses to start when the first member is missing from storage", async () => {
    const bundle = await storedBundle(samples());
    await env.FILES.delete(bundle.members[0]?.storageKey ?? "");

    await expect(openBundleZip(env.FILES, bundle, { start: 0, end: 99 })).rejects.toMatchObject({
      code: "storage_unavailable",
    });
  });

  it("errors instead of ending short when a later member is missing", async () => {
    const bundle = await storedBundle(samples());
    await env.FILES.delete(bundle.members[1]?.storageKey ?? "");

    await expect(generate(bundle)).rejects.toThrow();
  });
});

describe("the canonical digest (the ETag seed)", () => {
  it("changes with any name, size, digest, order or time; is not the ZIP's sha256", async () => {
    const bundle = await storedBundle(samples());
    const digest = await canonicalDigest(bundle);
    const [first, second, ...rest] = bundle.members;
    if (!first || !second) throw new Error("too few members");

    const variants: DeliveredBundle[] = [
      { ...bundle, lastModified: CREATED_AT + 2000 },
      { ...bundle, members: [second, first, ...rest] },
      { ...bundle, members: [{ ...first, filename: "other.csv" }, second, ...rest] },
      { ...bundle, members: [{ ...first, sha256: "f".repeat(64) }, second, ...rest] },
    ];
    for (const variant of variants) expect(await canonicalDigest(variant)).not.toBe(digest);
    expect(await canonicalDigest(structuredClone(bundle))).toBe(digest);
    expect(digest).not.toBe(await sha256Hex(await generate(bundle)));
  });
});

describe("entry names", () => {
  it("number clashing names in member order, ignoring case, before the extension", () => {
    expect(entryNames(["risk.csv", "Risk.csv", "risk.csv", "notes", "notes"])).toEqual([
      "risk.csv",
      "Risk (2).csv",
      "risk (3).csv",
      "notes",
      "notes (2)",
    ]);
  });

  it("never let a member take the manifest's name", () => {
    expect(entryNames(["MANIFEST.sha256", "manifest.SHA256"])).toEqual([
      "MANIFEST (2).sha256",
      "manifest (3).SHA256",
    ]);
  });

  it("treat composed and decomposed accents as the same name", () => {
    expect(entryNames(["M\u00e4rz.csv", "Ma\u0308rz.csv"])).toEqual([
      "M\u00e4rz.csv",
      "Ma\u0308rz (2).csv",
    ]);
  });

  it("keep a numbered name that a later member already has from clashing", () => {
    expect(entryNames(["a.csv", "a.csv", "a (2).csv"])).toEqual([
      "a.csv",
      "a (2).csv",
      "a (2) (2).csv",
    ]);
  });

  it("make dot-only names plain files", () => {
    expect(entryNames([".", ".."])).toEqual(["_.", "_.."]);
  });
});
