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
  return z
    .string()
    .regex(/^[0-9]{1,16}$/, "Write a whole number in digits.")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
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
