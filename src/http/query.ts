/**
 * Building blocks of query-string schemas, so every route reads its parameters the same way.
 *
 * An unknown parameter is refused by name, never dropped: a misspelt filter (`link` for
 * `linkId`) would otherwise widen an audit export to the whole log, or lose a published file's
 * metadata. A number is written in plain digits: `1e2`, `0x10` or ` 5` are typos, not 100, 16
 * and 5.
 */
import { z } from "@hono/zod-openapi";

/** An object of query parameters that refuses any parameter not in `shape`, listing the known. */
export function queryParameters<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== "unrecognized_keys") return undefined;
      const names = issue.keys.map((key) => JSON.stringify(key)).join(", ");
      const noun = issue.keys.length === 1 ? "parameter" : "parameters";
      return `Unknown query ${noun} ${names}; the parameters are ${known}.`;
    },
  });
}

/** A whole number between `min` and `max`, written in decimal digits. */
export function queryInteger(min: number, max: number) {
  const range = `a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^[0-9]+$/, `Write ${range} in digits.`)
    .transform(Number)
    .pipe(z.number().min(min, `Give ${range}.`).max(max, `Give ${range}.`));
}

/**
 * A point in time: an ISO 8601 date-time with its zone, `Z` or an offset. A time without a zone
 * is refused rather than guessed. In a URL, an offset's `+` must be written `%2B`, or it arrives
 * as a space: the message says so, as that is the usual cause.
 */
export function queryTime(description: string) {
  return z.iso
    .datetime({
      offset: true,
      error:
        "Give an ISO 8601 date-time with its zone, e.g. 2026-12-01T00:00:00Z or " +
        "2026-12-01T01:00:00%2B01:00 (a + in a URL is written %2B).",
    })
    .optional()
    .openapi({ description });
}

/**
 * The millisecond a query's time stands for. Events are stamped in whole milliseconds, so a
 * time with finer digits is rounded up: an event at millisecond m is at or after t exactly when
 * m >= ceil(t), and before t exactly when m < ceil(t), for a range's start and its end alike.
 * Date.parse would cut the digits off instead, letting in an event earlier than the time asked.
 */
export function queryTimeMs(iso: string): number {
  const truncated = Date.parse(iso);
  const finer = /\.\d{3}(\d+)/.exec(iso)?.[1] ?? "";
  return /[1-9]/.test(finer) ? truncated + 1 : truncated;
}
