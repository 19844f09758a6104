/**
 * A query parameter given twice is refused by name. Left to the validators, `limit=1&limit=2`
 * would be read as an array and reported as "expected number, received NaN", which names neither
 * the parameter's real problem nor the fix.
 */
import { ApiError } from "./problems.ts";

/** Throws 400 invalid_request for the first parameter of `url` given twice, unless repeatable. */
export function refuseRepeatedQueryParameters(url: string, repeatable: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of new URL(url).searchParams.keys()) {
    if (seen.has(name) && !repeatable.includes(name)) {
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
}
