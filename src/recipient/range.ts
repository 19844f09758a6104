/**
 * Byte ranges for file responses (RFC 9110 §14): what a `Range` header asks of a file of a given
 * size, whether `If-Range` still allows a partial answer, and the `Content-Range` values.
 *
 * Everything here is pure and total: untrusted header text never throws, it only decides between
 * a full answer, one part, or 416. Only a caller bug (an impossible size) throws.
 */

/**
 * What to send for one request.
 * - `full`: 200 with the whole file; also the answer to anything we do not honour.
 * - `partial`: 206 with bytes `start..end`, both inclusive, always `0 <= start <= end < size`.
 * - `unsatisfiable`: 416, whose `Content-Range` comes from {@link unsatisfiedRange}.
 */
export type RangeDecision =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

const FULL: RangeDecision = { kind: "full" };
const UNSATISFIABLE: RangeDecision = { kind: "unsatisfiable" };

/**
 * Longest position we read. Sixteen digits already exceed 2^53, so every longer value is either
 * an attack or a bug; numbers that Number() rounds are still far beyond any stored file, which
 * keeps every comparison below right.
 */
const MAX_DIGITS = 16;
const POSITION = new RegExp(`^[0-9]{1,${MAX_DIGITS}}$`);

/** OWS in RFC 9110 is spaces and horizontal tabs only. */
const OWS_EDGES = /^[ \t]+|[ \t]+$/g;

type RangeSpec =
  | { form: "int"; first: number; last: number | null }
  | { form: "suffix"; length: number };

/**
 * Decides how to answer `Range` for a file of `size` bytes.
 *
 * Malformed headers, units other than `bytes` and multi-range requests are answered with the whole
 * file: RFC 9110 §14.2 lets a server ignore `Range`, and serving one 200 is cheaper and safer than
 * building multipart/byteranges bodies. A multi-range request where no range is satisfiable still
 * gets 416, as §15.5.17 asks.
 *
 * @param header the raw `Range` field value, or null when absent
 * @param size the file's exact length in bytes
 * @throws {RangeError} when `size` is not a non-negative safe integer (a caller bug)
 */
export function parseRange(header: string | null, size: number): RangeDecision {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`File size must be a non-negative safe integer, got ${size}.`);
  }
  if (header === null) return FULL;

  const specs = parseRangesSpecifier(header);
  if (specs === null) return FULL;

  const satisfiable = specs.filter((spec) => isSatisfiable(spec, size));
  if (satisfiable.length === 0) return UNSATISFIABLE;
  if (specs.length > 1) return FULL;

  const [spec] = satisfiable;
  // A zero-length file can satisfy only a non-empty suffix range (§14.1.1), and no 206 can
  // describe zero bytes: send the (empty) whole file instead.
  if (spec === undefined || size === 0) return FULL;

  if (spec.form === "suffix") {
    // A suffix longer than the file means the whole file, still as a 206 (§14.1.1).
    return { kind: "partial", start: Math.max(0, size - spec.length), end: size - 1 };
  }
  const end = spec.last === null ? size - 1 : Math.min(spec.last, size - 1);
  return { kind: "partial", start: spec.first, end };
}

/**
 * Parses `ranges-specifier = range-unit "=" range-set`, or returns null when the header is not
 * one we can honour. The range unit is case-insensitive (§14.1); OWS is allowed around the whole
 * value and around list commas, and empty list elements are ignored (§5.6.1), but nowhere else.
 */
function parseRangesSpecifier(header: string): RangeSpec[] | null {
  const value = header.replace(OWS_EDGES, "");
  const equals = value.indexOf("=");
  if (equals < 0) return null;
  if (value.slice(0, equals).toLowerCase() !== "bytes") return null;

  const specs: RangeSpec[] = [];
  for (const element of value.slice(equals + 1).split(",")) {
    const trimmed = element.replace(OWS_EDGES, "");
    if (trimmed === "") continue;
    const spec = parseRangeSpec(trimmed);
    if (spec === null) return null;
    specs.push(spec);
  }
  return specs.length > 0 ? specs : null;
}

/** `int-range = first-pos "-" [ last-pos ]` or `suffix-range = "-" suffix-length`. */
function parseRangeSpec(text: string): RangeSpec | null {
  const dash = text.indexOf("-");
  if (dash < 0) return null;
  const before = text.slice(0, dash);
  const after = text.slice(dash + 1);

  if (before === "") {
    return POSITION.test(after) ? { form: "suffix", length: Number(after) } : null;
  }
  if (!POSITION.test(before)) return null;
  const first = Number(before);
  if (after === "") return { form: "int", first, last: null };
  if (!POSITION.test(after)) return null;
  const last = Number(after);
  // An int-range whose last-pos is below its first-pos is invalid, not unsatisfiable (§14.1.1).
  return last < first ? null : { form: "int", first, last };
}

function isSatisfiable(spec: RangeSpec, size: number): boolean {
  return spec.form === "suffix" ? spec.length > 0 : spec.first < size;
}

/**
 * Whether `If-Range` lets a partial response go out (RFC 9110 §13.1.5). Only an exact match with
 * the current strong ETag does; a weak tag, a date or anything else means "send it all", which is
 * what a client resuming a file that may have changed needs. Without `If-Range` nothing stops it.
 *
 * @param ifRange the raw `If-Range` field value, or null when absent
 * @param strongEtag the file's current strong ETag, quotes included
 */
export function ifRangeAllowsPartial(ifRange: string | null, strongEtag: string): boolean {
  if (ifRange === null) return true;
  const validator = ifRange.replace(OWS_EDGES, "");
  // We never compare dates: Last-Modified has one-second granularity and is a weak validator.
  if (!validator.startsWith('"')) return false;
  return validator === strongEtag;
}

/** `Content-Range` of a 206: `bytes start-end/size`, both ends inclusive. */
export function contentRange(start: number, end: number, size: number): string {
  return `bytes ${start}-${end}/${size}`;
}

/**
 * `Content-Range` of a 416 (RFC 9110 §14.4): no range, only the length the client can retry
 * with.
 */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}
