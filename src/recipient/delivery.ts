/**
 * Streaming a version's bytes to a recipient under a download session, and telling LinkGuard what
 * was served. The body is counted as it leaves; a stream that runs to its end reports its bytes
 * before the client sees the end, so completion is recorded by the time the download finishes,
 * and a stream the client abandons reports what it had sent from `waitUntil`.
 */
import { openBundleZip } from "../bundles/zip.ts";
import { ApiError } from "../http/problems.ts";
import type { DeliveredBundle, DeliveredFile } from "../links/model.ts";

export interface ByteSpan {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive; start - 1 for an empty body. */
  end: number;
}

export type DeliveryReport = (servedEnd: number) => Promise<void>;

/** Reads [start, end] of the version from R2; `null` from R2 means the bytes are gone. */
export async function openStored(
  bucket: R2Bucket,
  file: DeliveredFile,
  span: ByteSpan,
): Promise<ReadableStream<Uint8Array>> {
  const length = span.end - span.start + 1;
  let object: R2ObjectBody | null;
  try {
    object =
      length === file.size
        ? await bucket.get(file.storageKey)
        : await bucket.get(file.storageKey, { range: { offset: span.start, length } });
  } catch (error) {
    throw new ApiError("storage_unavailable", "The file could not be read.", { cause: error });
  }
  if (!object) throw new ApiError("storage_unavailable", "The file is missing from storage.");
  return object.body;
}

/**
 * Opens [start, end] of what a link delivers: the version's bytes, or the bundle's ZIP generated
 * from its members (see `openBundleZip` for what a range costs there).
 */
export function openDelivered(
  bucket: R2Bucket,
  file: DeliveredFile,
  bundle: DeliveredBundle | null,
  span: ByteSpan,
): Promise<ReadableStream<Uint8Array>> {
  return bundle ? openBundleZip(bucket, bundle, span) : openStored(bucket, file, span);
}

/** How often a running stream asks LinkGuard whether its link was revoked meanwhile. */
const RECHECK_EVERY_MS = 1000;
const RECHECK_EVERY_BYTES = 1024 * 1024;

export interface StreamWatch {
  report: DeliveryReport;
  /** Whether the stream may go on: false once the link is revoked. */
  stillAllowed: () => Promise<boolean>;
  waitUntil: (promise: Promise<unknown>) => void;
}

/**
 * Wraps `source` so that the bytes handed to the runtime are counted, and `report` is called
 * once with the offset one past the last byte sent. Every second or megabyte the stream asks
 * LinkGuard whether the link is still live and breaks off if it was revoked, so revocation
 * ends downloads already under way, not only new requests. The result has a fixed length, so
 * the runtime sends an exact Content-Length, and a broken-off body is visibly short.
 */
export function meteredBody(
  source: ReadableStream<Uint8Array>,
  span: ByteSpan,
  watch: StreamWatch,
): ReadableStream<Uint8Array> {
  const { report, stillAllowed, waitUntil } = watch;
  const reader = source.getReader();
  let sent = 0;
  let reported = false;
  let checkedAt = { time: Date.now(), bytes: 0 };
  const reportOnce = () => {
    if (reported) return Promise.resolve();
    reported = true;
    return report(span.start + sent);
  };
  const recheckDue = () =>
    Date.now() - checkedAt.time >= RECHECK_EVERY_MS ||
    sent - checkedAt.bytes >= RECHECK_EVERY_BYTES;

  const metered = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (recheckDue()) {
          checkedAt = { time: Date.now(), bytes: sent };
          if (!(await stillAllowed())) {
            waitUntil(reportOnce());
            controller.error(new Error("the link was revoked during the download"));
            await reader.cancel("revoked").catch(() => undefined);
            return;
          }
        }
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          waitUntil(reportOnce());
          controller.error(error);
          return;
        }
        if (chunk.done) {
          await reportOnce();
          controller.close();
          return;
        }
        sent += chunk.value.byteLength;
        controller.enqueue(chunk.value);
      },
      cancel(reason) {
        waitUntil(reportOnce());
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );

  const length = span.end - span.start + 1;
  const fixed = new FixedLengthStream(length);
  waitUntil(metered.pipeTo(fixed.writable).catch(() => undefined));
  return fixed.readable;
}
