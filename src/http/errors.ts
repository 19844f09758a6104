/**
 * Turning failures into answers. Known errors become RFC 9457 problem documents with their
 * stable code; anything unexpected is logged with its cause and answered with a generic 500 that
 * reveals nothing. Validation failures from zod become 400 `invalid_request` listing the fields.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import type { HonoEnv } from "../env.ts";
import { newId } from "../ids.ts";
import { describeError } from "./logger.ts";
import { ApiError, problemDocument } from "./problems.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemResponse(c: Context<HonoEnv>, error: ApiError): Response {
  const requestId = c.get("requestId") ?? newId("request");
  const headers = new Headers({ "Content-Type": PROBLEM_CONTENT_TYPE, ...error.headers });
  return new Response(JSON.stringify(problemDocument(error, requestId)), {
    status: error.status,
    headers,
  });
}

/** Hono's error hook: the one place an exception becomes a response. */
export function handleError(error: unknown, c: Context<HonoEnv>): Response {
  if (error instanceof ApiError) {
    if (error.status >= 500) c.get("logger")?.error("request failed", describeError(error));
    return problemResponse(c, error);
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own 4xx, e.g. a malformed JSON body rejected by its validator.
    return problemResponse(
      c,
      new ApiError("invalid_request", "The request body could not be read."),
    );
  }
  c.get("logger")?.error("unhandled exception", describeError(error));
  return problemResponse(c, new ApiError("internal_error"));
}

/** zod-openapi's validation hook: the first issues, named by field, in a 400. */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError },
  c: Context<HonoEnv>,
): Response | undefined {
  if (result.success) return undefined;
  const issues = result.error.issues.slice(0, 10).map((issue) => ({
    field: issue.path.join(".") || "(root)",
    message: issue.message,
  }));
  const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join("; ");
  return problemResponse(c, new ApiError("invalid_request", summary, { extensions: { issues } }));
}
