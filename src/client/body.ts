/**
 * Upload bodies: checks that a body is exactly as long as its declared size, and reports
 * progress as it is read. The API requires Content-Length up front, so a body that turns out
 * longer or shorter (a file still being written, say) must fail the upload, not truncate it.
 */
import { PortcullisError } from "./errors.ts";

export type UploadBody = ReadableStream<Uint8Array> | Uint8Array | Blob;

export function meteredBody(
  body: UploadBody,
  size: number,
  onProgress?: (sent: number, total: number) => void,
): BodyInit {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TypeError(`"size" must be a byte count, got ${size}`);
  }
  const known =
    body instanceof Blob ? body.size : body instanceof Uint8Array ? body.byteLength : null;
  if (known !== null && known !== size) {
    throw new TypeError(`"size" is ${size} but the body holds ${known} bytes`);
  }
  if (body instanceof Uint8Array && !onProgress) return body as Uint8Array<ArrayBuffer>;
  if (body instanceof Blob && !onProgress) return body;

  const source =
    body instanceof ReadableStream ? body : new Blob([body as Uint8Array<ArrayBuffer>]).stream();
  return source.pipeThrough(byteMeter(size, onProgress));
}

function byteMeter(
  size: number,
  onProgress?: (sent: number, total: number) => void,
): TransformStream<Uint8Array, Uint8Array> {
  let sent = 0;
  const mismatch = (found: string) =>
    new PortcullisError("body_size_mismatch", `The body ${found} than the declared ${size} bytes.`);
  return new TransformStream({
    start() {
      onProgress?.(0, size);
    },
    transform(chunk, controller) {
      sent += chunk.byteLength;
      if (sent > size) {
        controller.error(mismatch("is longer"));
        return;
      }
      controller.enqueue(chunk);
      onProgress?.(sent, size);
    },
    flush(controller) {
      if (sent < size) controller.error(mismatch(`ended after ${sent} bytes, fewer`));
    },
  });
}
