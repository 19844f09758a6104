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
import { requireWellFormedJson } from "./well-formed.ts";

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

export interface RouteShape {
  /** Query parameters that may be given more than once, such as a publish's `label`. */
  repeatable?: readonly string[];
  /**
   * "json" (the default): a small JSON document, or none. "file": a publish's file, which streams
   * into R2 under its own limit and media type.
   */
  body?: "json" | "file";
}

export function routeGuard(scope: Scope, shape: RouteShape = {}): MiddlewareHandler<HonoEnv> {
  const repeatable = shape.repeatable ?? [];
  return async (c, next) => {
    assertScope(c.get("principal"), scope);
    refuseRepeatedQueryParameters(c.req.url, repeatable);
    if (shape.body === "file") return next();

    return jsonBodyLimit(c, async () => {
      await wellFormedJson(c, next);
    });
  };
}
