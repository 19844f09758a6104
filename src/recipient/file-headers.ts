/**
 * The headers of a file response (GET or HEAD on a download session), full or ranged: what the
 * file is called, how long it is, which exact bytes it holds, and how to resume it.
 *
 * Baseline headers every response carries (`Cache-Control: no-store`, `nosniff`, referrer policy)
 * are added by the request-context middleware, not here.
 */
import { create as createContentDisposition } from "content-disposition";
import type { DeliveredFile } from "../links/model.ts";
import { contentRange } from "./range.ts";

const SHA256_HEX = /^[0-9a-f]{64}$/i;
const FALLBACK_CONTENT_TYPE = "application/octet-stream";

/**
 * Published files are arbitrary bytes served from our own origin. Should a browser ever render
 * one instead of saving it (an HTML or SVG file opened directly), it runs sandboxed with nothing
 * to load.
 */
const FILE_CSP = "default-src 'none'; sandbox";

/**
 * The strong ETag of a file: its sha256 in a quoted, namespaced tag (`"sha256-<hex>"`). Versions
 * are immutable, so the digest identifies the bytes exactly and the tag never has to change.
 *
 * @throws {TypeError} when `sha256Hex` is not 64 hex digits (a corrupt record, not user input)
 */
export function strongEtag(sha256Hex: string): string {
  return `"sha256-${checkedDigest(sha256Hex)}"`;
}

/**
 * Headers for a file response. Without `part` they describe the whole file (200); with it, the
 * inclusive byte range `part.start..part.end` (206), which must lie inside the file.
 *
 * `Repr-Digest` is sent on both: RFC 9530 defines it over the selected representation, the whole
 * file, so a client resuming with ranges can still check the bytes it assembled. A bundle's ZIP
 * passes `reprDigest: false`: its digest is unknown until every byte was generated (its members'
 * digests are in its `MANIFEST.sha256`), and `file.sha256` there only seeds the ETag.
 *
 * @throws {RangeError} when `part` is not a non-empty range inside the file (a caller bug)
 */
export function fileHeaders(
  file: DeliveredFile,
  part?: { start: number; end: number },
  { reprDigest = true }: { reprDigest?: boolean } = {},
): Headers {
  const headers = new Headers();
  headers.set("Content-Type", file.contentType.trim() || FALLBACK_CONTENT_TYPE);
  headers.set("Content-Disposition", attachmentDisposition(file));
  headers.set("ETag", strongEtag(file.sha256));
  headers.set("Last-Modified", new Date(file.publishedAt).toUTCString());
  headers.set("Accept-Ranges", "bytes");
  if (reprDigest) headers.set("Repr-Digest", reprDigestOf(file.sha256));
  headers.set("Content-Security-Policy", FILE_CSP);

  if (part === undefined) {
    headers.set("Content-Length", String(file.size));
    return headers;
  }

  const { start, end } = part;
  const inside =
    Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end;
  if (!inside || end >= file.size) {
    throw new RangeError(`Range ${start}-${end} is not inside a file of ${file.size} bytes.`);
  }
  headers.set("Content-Length", String(end - start + 1));
  headers.set("Content-Range", contentRange(start, end, file.size));
  return headers;
}

/**
 * `attachment` with the real name in `filename*` (RFC 8187 UTF-8) and an ASCII `filename` for
 * clients that predate it (RFC 6266 §4.3). The package's own fallback turns every non-ASCII
 * character into `?`, which is not a legal file name on Windows; ours keeps what it can.
 */
function attachmentDisposition(file: DeliveredFile): string {
  // A lone surrogate cannot be percent-encoded (encodeURIComponent throws); show U+FFFD instead.
  const filename = file.filename.replace(/\p{Cs}/gu, "\uFFFD");
  return createContentDisposition(filename, { fallback: asciiFallback({ ...file, filename }) });
}

/**
 * An ASCII stand-in for the file name: accents dropped (`Ü` → `U`), compatibility forms
 * folded (`…` → `...`), typographic dashes and quotes made plain, anything else replaced by
 * `_`. A name with nothing readable left (`患者リスク.csv`) falls back to the object name,
 * which is ASCII by construction, with the original extension.
 */
export function asciiFallback(file: Pick<DeliveredFile, "filename" | "objectName">): string {
  const folded = toAscii(file.filename);
  const dot = folded.lastIndexOf(".");
  const stem = dot > 0 ? folded.slice(0, dot) : folded;
  if (/[A-Za-z0-9]/.test(stem)) return folded;

  const extension = dot > 0 ? folded.slice(dot) : "";
  const base = toAscii(file.objectName);
  return `${/[A-Za-z0-9]/.test(base) ? base : "download"}${extension}`;
}

function toAscii(text: string): string {
  return (
    text
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .replace(/[\u2010-\u2015\u2212]/g, "-")
      .replace(/[\u2018\u2019\u201a\u201c\u201d\u201e\u2032\u2033]/g, "'")
      // One `_` per run of unreadable characters, so `患者リスク` does not become `_____`.
      .replace(/[^\x20-\x7e]+/g, "_")
      // Some clients percent-decode the plain parameter, and separators never belong in a name.
      .replace(/%(?=[0-9A-Fa-f]{2})|[/\\]/g, "_")
      .trim()
  );
}

/** RFC 9530 `Repr-Digest`: the sha-256 of the whole file, as a structured-field byte sequence. */
function reprDigestOf(sha256Hex: string): string {
  const hex = checkedDigest(sha256Hex);
  let binary = "";
  for (let index = 0; index < hex.length; index += 2) {
    binary += String.fromCharCode(Number.parseInt(hex.slice(index, index + 2), 16));
  }
  return `sha-256=:${btoa(binary)}:`;
}

function checkedDigest(sha256Hex: string): string {
  if (!SHA256_HEX.test(sha256Hex)) throw new TypeError("A sha256 digest must be 64 hex digits.");
  return sha256Hex.toLowerCase();
}
