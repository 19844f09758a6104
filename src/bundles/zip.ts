/**
 * A bundle's ZIP: its fixed layout, its exact length, and its bytes streamed from R2.
 *
 * Layout: `MANIFEST.sha256` first (its content is known before any member is read, and a
 * streaming reader meets it before the files it describes), then the members in bundle order.
 * Every entry is stored uncompressed, with the bundle's creation time as its modification time
 * and UTF-8 names, so one bundle always gives byte-identical ZIPs whose length is known before the
 * first byte. client-zip writes the archive and switches to ZIP64 records wherever a size or an
 * offset reaches 4 GiB; `predictLength` accounts for those records.
 */
import { makeZip, predictLength } from "client-zip";
import { ApiError } from "../http/problems.ts";
import type { BundleMember, DeliveredBundle } from "../links/model.ts";
import { MANIFEST_NAME } from "./names.ts";

/**
 * Names the layout above. It goes into the ETag seed, so a change to the layout (or a client-zip
 * release that writes different bytes) must change it, or a resumed download would mix two ZIPs.
 */
const LAYOUT = "portcullis-bundle-zip/1";

/** The inclusive byte range of the ZIP to send. */
export interface ZipSpan {
  start: number;
  end: number;
}

type ManifestLine = Pick<BundleMember, "filename" | "sha256">;

/** `MANIFEST.sha256`: `<hex>  <name>\n` per member, in ZIP order (the `sha256sum` format). */
export function manifestText(members: readonly ManifestLine[]): string {
  return members.map((member) => `${member.sha256}  ${member.filename}\n`).join("");
}

interface ZipLayout {
  manifest: Uint8Array;
  lastModified: Date;
  /** client-zip's metadata for every entry, in ZIP order: the manifest, then the members. */
  entries: { name: string; size: number; lastModified: Date }[];
}

function layoutOf(bundle: DeliveredBundle): ZipLayout {
  const lastModified = new Date(bundle.lastModified);
  const manifest = new TextEncoder().encode(manifestText(bundle.members));
  const entries = [
    { name: MANIFEST_NAME, size: manifest.byteLength, lastModified },
    ...bundle.members.map((member) => ({ name: member.filename, size: member.size, lastModified })),
  ];
  return { manifest, lastModified, entries };
}

/**
 * The exact byte length of the bundle's ZIP, ZIP64 records included.
 *
 * @throws {RangeError} when the length is not a safe integer (a bundle of petabytes)
 */
export function zipLength(bundle: DeliveredBundle): number {
  const length = Number(predictLength(layoutOf(bundle).entries));
  if (!Number.isSafeInteger(length)) throw new RangeError("The bundle is too large to deliver.");
  return length;
}

/**
 * Hex sha256 of the bundle's canonical manifest: the layout, the modification time and each
 * member's name, size and digest, in order — everything that decides the ZIP's bytes. It seeds
 * the strong ETag. It is NOT the sha256 of the ZIP itself, which nobody knows before generating it.
 */
export async function canonicalDigest(bundle: DeliveredBundle): Promise<string> {
  const canonical = JSON.stringify({
    layout: LAYOUT,
    lastModified: bundle.lastModified,
    members: bundle.members.map((member) => [member.filename, member.size, member.sha256]),
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Streams bytes `span.start..span.end` (inclusive) of the bundle's ZIP.
 *
 * Every entry carries a CRC-32 of its bytes, which only reading them can give, so the archive is
 * always generated from its first byte: for a range, the bytes before it are generated and
 * dropped (the earlier members are read from R2 in full) and generation stops after the range's
 * last byte, so later members are never read. Correct for every range, but a range near the end
 * of a large bundle costs nearly a whole bundle of R2 reads and CRC work.
 *
 * The first member is opened before this returns, so a storage failure at the start can still be
 * answered as an error (and the use given back) instead of a truncated body.
 *
 * @throws {ApiError} `storage_unavailable` when the first member cannot be read
 */
export async function openBundleZip(
  bucket: R2Bucket,
  bundle: DeliveredBundle,
  span: ZipSpan,
): Promise<ReadableStream<Uint8Array>> {
  const bodies = new MemberBodies(bucket);
  const [first] = bundle.members;
  const firstBody = first ? await bodies.open(first) : null;
  const { manifest, lastModified } = layoutOf(bundle);

  async function* inputs() {
    yield { name: MANIFEST_NAME, lastModified, input: manifest };
    for (const [index, member] of bundle.members.entries()) {
      const body = index === 0 && firstBody ? firstBody : await bodies.open(member);
      yield { name: member.filename, lastModified, size: member.size, input: bodies.chunks(body) };
    }
  }

  const zip = makeZip(inputs(), { buffersAreUTF8: true });
  return slice(zip, span.start, span.end + 1, () => bodies.close());
}

/**
 * The R2 bodies a ZIP stream opened, so that a stream stopped early (a range that ends, a client
 * that leaves) releases the member it was reading instead of leaving it half-read.
 */
class MemberBodies {
  readonly #bucket: R2Bucket;
  readonly #open = new Set<{ cancel(reason?: unknown): Promise<void> }>();

  constructor(bucket: R2Bucket) {
    this.#bucket = bucket;
  }

  async open(member: BundleMember): Promise<ReadableStream<Uint8Array>> {
    let object: R2ObjectBody | null;
    try {
      object = await this.#bucket.get(member.storageKey);
    } catch (error) {
      throw new ApiError("storage_unavailable", "A bundle member could not be read.", {
        cause: error,
      });
    }
    if (!object) throw new ApiError("storage_unavailable", "A bundle member is missing.");
    // A different length would shift every later byte away from the announced layout.
    if (object.size !== member.size) {
      await object.body.cancel();
      throw new ApiError("storage_unavailable", "A bundle member does not match its record.");
    }
    this.#open.add(object.body);
    return object.body;
  }

  /** The body as chunks read through a reader this class can cancel, unlike client-zip's own. */
  chunks(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
    this.#open.delete(body);
    const reader = body.getReader();
    this.#open.add(reader);
    const open = this.#open;
    return {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          yield chunk.value;
        }
        open.delete(reader);
      },
    };
  }

  async close(): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    await Promise.all(open.map((body) => body.cancel().catch(() => undefined)));
  }
}

/**
 * Bytes `[start, end)` of `source`: earlier bytes are read and dropped, and once `end` is reached
 * the source is cancelled and `release` runs. Ending before `end` is an error, never a short body.
 */
function slice(
  source: ReadableStream<Uint8Array>,
  start: number,
  end: number,
  release: () => Promise<void>,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let position = 0;
  const stop = async (reason?: unknown) => {
    await reader.cancel(reason).catch(() => undefined);
    await release();
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (position >= end) {
            await stop();
            controller.close();
            return;
          }
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (error) {
            await release();
            throw error;
          }
          if (chunk.done) {
            await release();
            throw new Error(`The bundle ZIP ended at byte ${position}, before byte ${end}.`);
          }
          const from = Math.max(0, start - position);
          const to = Math.min(chunk.value.byteLength, end - position);
          position += chunk.value.byteLength;
          if (from < to) {
            controller.enqueue(chunk.value.subarray(from, to));
            return;
          }
        }
      },
      cancel: stop,
    },
    { highWaterMark: 0 },
  );
}
