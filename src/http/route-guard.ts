/**
 * The door of every /v1 route, run after routing: the caller's scope first, then the request's
 * outer shape (no query parameter given twice; the body's size, media type and text). In this order
 * a path that does not exist is 404 and a method the path does not answer is 405, whatever the
 * body; a caller without the scope gets 403 and learns nothing from how the body would have been
 * judged. The route's own validator judges the body's content after this.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { HonoEnv } from "../env.ts";
import { assertScope, type Scope } from "../identity/api-keys.ts";
import { problemResponse } from "./errors.ts";
import { ApiError } from "./problems.ts";
import { refuseRepeatedQueryParameters } from "./repeated-parameters.ts";
import { refuseAnyBody, requireWellFormedJson } from "./well-formed.ts";

/** Larger than any real policy or subject document, far smaller than anything abusive. */
const MAX_JSON_BODY_BYTES = 64 * 1024;

const jsonBodyLimit = bodyLimit({
  maxSize: MAX_JSON_BODY_BYTES,
  onError: (c) =>
    problemResponse(
      c,
      new ApiError(
        "payload_too_large",
        `Request bodies may be at most ${MAX_JSON_BODY_BYTES} bytes.`,
      ),
    ),
});

const wellFormedJson = requireWellFormedJson();
const noBody = refuseAnyBody();

export interface RouteShape {
  /**
   * The route declares query parameters (its schema refuses unknown ones by name). Without
   * them, any query parameter is refused here: an ignored one could be a filter the caller
   * believes applied, or an option such as `dryRun` believed honoured.
   */
  takesQuery?: boolean;
  /** Query parameters that may be given more than once, such as a publish's `label`. */
  repeatable?: readonly string[];
  /**
   * "json" (the default): a small JSON document, or none. "file": a publish's file, which streams
   * into R2 under its own limit and media type. "none": an action that takes no body.
   */
  body?: "json" | "file" | "none";
}

export function routeGuard(scope: Scope, shape: RouteShape = {}): MiddlewareHandler<HonoEnv> {
  const repeatable = shape.repeatable ?? [];
  return async (c, next) => {
    assertScope(c.get("principal"), scope);
    if (!shape.takesQuery) refuseAnyQueryParameter(c.req.url);
    refuseRepeatedQueryParameters(c.req.url, repeatable);
    if (shape.body === "file") return next();
    if (shape.body === "none") {
      return jsonBodyLimit(c, async () => {
        await noBody(c, next);
      });
    }

    return jsonBodyLimit(c, async () => {
      await wellFormedJson(c, next);
    });
  };
}

function refuseAnyQueryParameter(url: string): void {
  const [name] = new URL(url).searchParams.keys();
  if (name === undefined) return;
  throw new ApiError(
    "invalid_request",
    `This route takes no query parameters; ${JSON.stringify(name.slice(0, 64))} is not one.`,
    { extensions: { parameter: name.slice(0, 64) } },
  );
}
