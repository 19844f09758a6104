/**
 * Writing a version's bytes into R2 without holding them in memory: the request body is piped
 * through a byte counter and a streaming SHA-256 on its way into the bucket. R2 keys name only
 * the tenant and version ids, never a file name or anything about its contents.
 */
import { ApiError } from "../http/problems.ts";

export function storageKeyFor(tenantId: string, versionId: string): string {
  return `tenants/${tenantId}/versions/${versionId}`;
}

export interface StoredBytes {
  size: number;
  sha256: string;
}

function toHex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Streams `body` into R2 under `key`. `declaredLength` is the request's Content-Length: R2 needs
 * a known length for a streamed put, and a body that ends early or runs long is refused.
 */
export async function storeStream(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  declaredLength: number,
  contentType: string,
): Promise<StoredBytes> {
  const digest = new crypto.DigestStream("SHA-256");
  const digestWriter = digest.getWriter();
  let size = 0;

  const measure = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > declaredLength) {
        throw new ApiError("invalid_request", "The body is longer than its Content-Length.");
      }
      await digestWriter.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await digestWriter.close();
    },
  });

  const fixedLength = new FixedLengthStream(declaredLength);
  const piping = body.pipeThrough(measure).pipeTo(fixedLength.writable);
  try {
    await Promise.all([
      bucket.put(key, fixedLength.readable, { httpMetadata: { contentType } }),
      piping,
    ]);
  } catch (error) {
    await bucket.delete(key).catch(() => undefined);
    if (error instanceof ApiError) throw error;
    if (size < declaredLength) {
      throw new ApiError("upload_incomplete", `Received ${size} of ${declaredLength} bytes.`);
    }
    throw new ApiError("storage_unavailable", "The file could not be stored.", { cause: error });
  }

  if (size !== declaredLength) {
    await bucket.delete(key);
    throw new ApiError("upload_incomplete", `Received ${size} of ${declaredLength} bytes.`);
  }
  return { size, sha256: toHex(await digest.digest) };
}
