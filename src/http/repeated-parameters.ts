/**
 * A query parameter given twice is refused by name. Left to the validators, `limit=1&limit=2`
 * would be read as an array and reported as "expected number, received NaN", which names neither
 * the parameter's real problem nor the fix.
 */
import type { MiddlewareHandler } from "hono";
import type { HonoEnv } from "../env.ts";
import { ApiError } from "./problems.ts";

export function refuseRepeatedQueryParameters(
  repeatable: ReadonlySet<string>,
): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const seen = new Set<string>();
    for (const name of new URL(c.req.url).searchParams.keys()) {
      if (seen.has(name) && !repeatable.has(name)) {
        throw new ApiError(
          "invalid_request",
          `The query parameter ${name} is given more than once.`,
          {
            extensions: { parameter: name },
          },
        );
      }
      seen.add(name);
    }
    await next();
  };
}
