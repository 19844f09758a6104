import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  contentRange,
  ifRangeAllowsPartial,
  parseRange,
  type RangeDecision,
  unsatisfiedRange,
} from "../../src/recipient/range.ts";

const FULL: RangeDecision = { kind: "full" };
const UNSATISFIABLE: RangeDecision = { kind: "unsatisfiable" };
const part = (start: number, end: number): RangeDecision => ({ kind: "partial", start, end });

interface Case {
  rule: string;
  header: string | null;
  size?: number;
  expected: RangeDecision;
}

const SIZE = 1000;

describe("parseRange", () => {
  it.each<Case>([
    { rule: "no Range header means the whole file", header: null, expected: FULL },
    { rule: "a-b serves a through b inclusive", header: "bytes=0-499", expected: part(0, 499) },
    { rule: "a-b may be a single byte", header: "bytes=7-7", expected: part(7, 7) },
    { rule: "a- serves from a to the end", header: "bytes=500-", expected: part(500, 999) },
    { rule: "a- on the last byte serves one byte", header: "bytes=999-", expected: part(999, 999) },
    { rule: "-n serves the last n bytes", header: "bytes=-100", expected: part(900, 999) },
    {
      rule: "a last-pos past the end is clamped",
      header: "bytes=900-5000",
      expected: part(900, 999),
    },
    {
      rule: "a suffix longer than the file is the whole file as a part",
      header: "bytes=-5000",
      expected: part(0, 999),
    },
    {
      rule: "a suffix equal to the file is the whole file as a part",
      header: "bytes=-1000",
      expected: part(0, 999),
    },
    {
      rule: "first-pos equal to the size is unsatisfiable",
      header: "bytes=1000-",
      expected: UNSATISFIABLE,
    },
    {
      rule: "first-pos past the size is unsatisfiable",
      header: "bytes=2000-3000",
      expected: UNSATISFIABLE,
    },
    { rule: "a zero-length suffix is unsatisfiable", header: "bytes=-0", expected: UNSATISFIABLE },
    { rule: "the range unit is case-insensitive", header: "Bytes=0-9", expected: part(0, 9) },
    {
      rule: "OWS around the field value is ignored",
      header: " \tbytes=0-9 ",
      expected: part(0, 9),
    },
    { rule: "empty list elements are ignored", header: "bytes=, 0-9 ,", expected: part(0, 9) },
    { rule: "leading zeros are still decimal", header: "bytes=010-019", expected: part(10, 19) },
    {
      rule: "16 digits are accepted and clamp",
      header: `bytes=0-${"9".repeat(16)}`,
      expected: part(0, 999),
    },
    {
      rule: "16-digit first-pos is unsatisfiable",
      header: `bytes=${"9".repeat(16)}-`,
      expected: UNSATISFIABLE,
    },
  ])("$rule ($header)", ({ header, size = SIZE, expected }) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it.each<Case>([
    { rule: "an empty header is malformed", header: "", expected: FULL },
    { rule: "a missing '=' is malformed", header: "bytes 0-9", expected: FULL },
    { rule: "no range-spec is malformed", header: "bytes=", expected: FULL },
    { rule: "a spec without '-' is malformed", header: "bytes=5", expected: FULL },
    { rule: "a lone '-' is malformed", header: "bytes=-", expected: FULL },
    {
      rule: "last-pos below first-pos is invalid, not unsatisfiable",
      header: "bytes=9-0",
      expected: FULL,
    },
    { rule: "a leading '+' is rejected", header: "bytes=+1-5", expected: FULL },
    { rule: "a negative position is rejected", header: "bytes=--5", expected: FULL },
    { rule: "non-digits are rejected", header: "bytes=0x10-20", expected: FULL },
    { rule: "decimals are rejected", header: "bytes=1.5-20", expected: FULL },
    { rule: "exponents are rejected", header: "bytes=1e3-", expected: FULL },
    { rule: "non-ASCII digits are rejected", header: "bytes=١-٢", expected: FULL },
    { rule: "whitespace inside a spec is rejected", header: "bytes=0 - 9", expected: FULL },
    { rule: "whitespace around '=' is rejected", header: "bytes = 0-9", expected: FULL },
    {
      rule: "17-digit positions are rejected",
      header: `bytes=0-${"9".repeat(17)}`,
      expected: FULL,
    },
    { rule: "17-digit suffixes are rejected", header: `bytes=-${"1".repeat(17)}`, expected: FULL },
    { rule: "one bad spec spoils the set", header: "bytes=0-9,abc", expected: FULL },
    { rule: "an unknown unit is ignored", header: "items=0-9", expected: FULL },
    {
      rule: "an unknown unit that only starts like bytes is ignored",
      header: "bytesx=0-9",
      expected: FULL,
    },
    { rule: "several ranges get the whole file", header: "bytes=0-9,20-29", expected: FULL },
    {
      rule: "several ranges with one satisfiable get the whole file",
      header: "bytes=0-9, 5000-",
      expected: FULL,
    },
    {
      rule: "several ranges none satisfiable are unsatisfiable",
      header: "bytes=1000-, 2000-2100, -0",
      expected: UNSATISFIABLE,
    },
  ])("malformed, foreign or multiple: $rule ($header)", ({ header, size = SIZE, expected }) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it.each<Case>([
    {
      rule: "bytes=0- on an empty file is unsatisfiable",
      header: "bytes=0-",
      size: 0,
      expected: UNSATISFIABLE,
    },
    {
      rule: "bytes=0-0 on an empty file is unsatisfiable",
      header: "bytes=0-0",
      size: 0,
      expected: UNSATISFIABLE,
    },
    {
      rule: "bytes=-0 on an empty file is unsatisfiable",
      header: "bytes=-0",
      size: 0,
      expected: UNSATISFIABLE,
    },
    // RFC 9110 §14.1.1: a non-empty suffix is the one satisfiable range of an empty file, and no
    // 206 can describe zero bytes, so the (empty) whole file is the answer.
    {
      rule: "a suffix on an empty file gets the empty whole file",
      header: "bytes=-5",
      size: 0,
      expected: FULL,
    },
    { rule: "a one-byte file serves its byte", header: "bytes=0-", size: 1, expected: part(0, 0) },
    {
      rule: "a suffix on a one-byte file serves its byte",
      header: "bytes=-9",
      size: 1,
      expected: part(0, 0),
    },
  ])("tiny files: $rule ($header)", ({ header, size = SIZE, expected }) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it("a size that is negative, fractional or unsafe is a caller bug and throws", () => {
    for (const size of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => parseRange("bytes=0-", size), String(size)).toThrow(RangeError);
    }
  });

  it("any partial decision satisfies 0 <= start <= end < size", () => {
    const position = fc.oneof(
      fc.nat({ max: 5000 }).map(String),
      fc.bigInt({ min: 0n, max: 10n ** 16n - 1n }).map(String),
    );
    const spec = fc.oneof(
      fc.tuple(position, position).map(([a, b]) => `${a}-${b}`),
      position.map((a) => `${a}-`),
      position.map((n) => `-${n}`),
      fc.string({ maxLength: 12 }),
    );
    const header = fc.oneof(
      spec.map((s) => `bytes=${s}`),
      fc.array(spec, { minLength: 1, maxLength: 4 }).map((specs) => `bytes=${specs.join(",")}`),
      fc.string({ maxLength: 40 }),
    );

    fc.assert(
      fc.property(header, fc.nat({ max: 4000 }), (value, size) => {
        const decision = parseRange(value, size);
        if (decision.kind !== "partial") return true;
        return 0 <= decision.start && decision.start <= decision.end && decision.end < size;
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on any header text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: "binary" }), fc.nat(), (value, size) => {
        expect(["full", "partial", "unsatisfiable"]).toContain(parseRange(value, size).kind);
      }),
    );
  });
});

describe("ifRangeAllowsPartial", () => {
  const etag = `"sha256-${"ab".repeat(32)}"`;

  it.each<{ rule: string; ifRange: string | null; allowed: boolean }>([
    { rule: "no If-Range allows the partial response", ifRange: null, allowed: true },
    { rule: "the exact strong ETag allows it", ifRange: etag, allowed: true },
    { rule: "the exact strong ETag with OWS allows it", ifRange: ` ${etag}\t`, allowed: true },
    {
      rule: "a different strong ETag sends the whole file",
      ifRange: '"sha256-00"',
      allowed: false,
    },
    { rule: "a weak ETag never matches (strong comparison)", ifRange: `W/${etag}`, allowed: false },
    {
      rule: "a date sends the whole file",
      ifRange: "Thu, 03 Dec 2026 16:30:31 GMT",
      allowed: false,
    },
    { rule: "an unquoted tag sends the whole file", ifRange: etag.slice(1, -1), allowed: false },
    { rule: "an empty value sends the whole file", ifRange: "", allowed: false },
    { rule: "a list of tags is not a validator", ifRange: `${etag}, "other"`, allowed: false },
  ])("$rule", ({ ifRange, allowed }) => {
    expect(ifRangeAllowsPartial(ifRange, etag)).toBe(allowed);
  });
});

describe("Content-Range values", () => {
  it("a part names its inclusive ends and the full length", () => {
    expect(contentRange(0, 499, 1000)).toBe("bytes 0-499/1000");
    expect(contentRange(999, 999, 1000)).toBe("bytes 999-999/1000");
  });

  it("a 416 names no range, only the length", () => {
    expect(unsatisfiedRange(1000)).toBe("bytes */1000");
    expect(unsatisfiedRange(0)).toBe("bytes */0");
  });
});
