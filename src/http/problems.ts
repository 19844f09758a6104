/**
 * Every error Portcullis answers: one closed set of stable codes, one map from code to status,
 * and the RFC 9457 problem document they are sent as. Codes never change; messages may.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const PROBLEM_STATUS = {
  invalid_request: 400,
  unauthenticated: 401,
  token_invalid: 401,
  insufficient_scope: 403,
  identity_required: 403,
  address_not_allowed: 403,
  country_not_allowed: 403,
  outside_allowed_hours: 403,
  approval_pending: 403,
  issuer_cannot_approve: 403,
  approval_not_pending: 409,
  last_admin_key: 409,
  concurrent_change: 409,
  not_found: 404,
  method_not_allowed: 405,
  object_class_conflict: 409,
  link_expired: 410,
  link_revoked: 410,
  link_used_up: 410,
  approval_rejected: 410,
  approval_expired: 410,
  session_ended: 410,
  version_purged: 410,
  length_required: 411,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  policy_violation: 422,
  upload_incomplete: 422,
  event_not_subscribed: 422,
  storage_unavailable: 503,
  misconfigured: 500,
  internal_error: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ProblemCode = keyof typeof PROBLEM_STATUS;

const TITLES: Record<ProblemCode, string> = {
  invalid_request: "The request is not valid",
  unauthenticated: "Authentication is required",
  token_invalid: "This link is not valid",
  insufficient_scope: "The credential lacks the scope this action needs",
  identity_required: "This link is for an identified recipient",
  address_not_allowed: "This link cannot be opened from this network",
  country_not_allowed: "This link cannot be opened from this country",
  outside_allowed_hours: "This link can only be opened during its allowed hours",
  approval_pending: "This link is waiting for approval",
  issuer_cannot_approve: "The issuer of a link cannot approve or reject it",
  approval_not_pending: "This link is not waiting for approval",
  last_admin_key: "The tenant's last admin key cannot be revoked",
  concurrent_change: "Another request changed the resource at the same time",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  object_class_conflict: "The object already has another class",
  link_expired: "This link has expired",
  link_revoked: "This link has been revoked",
  link_used_up: "This link has been used up",
  approval_rejected: "This link was not approved",
  approval_expired: "This link was not approved in time",
  session_ended: "This download session has ended",
  version_purged: "This version's retention has ended and its bytes were deleted",
  length_required: "Content-Length is required",
  payload_too_large: "The request body is larger than allowed",
  unsupported_media_type: "The body's media type is not one this route takes",
  range_not_satisfiable: "The requested range is not satisfiable",
  policy_violation: "The request breaks the policy of its class",
  upload_incomplete: "The upload ended before its declared length",
  event_not_subscribed: "The endpoint does not subscribe to this event's type",
  storage_unavailable: "Storage is unavailable; try again shortly",
  misconfigured: "The gateway is misconfigured",
  internal_error: "Internal error",
};

export function problemTitle(code: ProblemCode): string {
  return TITLES[code];
}

/** Untrusted input or a denied action, answered as a 4xx (or a deliberate 5xx) problem. */
export class ApiError extends Error {
  readonly code: ProblemCode;
  readonly status: ContentfulStatusCode;
  /** Extra members of the problem document, e.g. `rule` and `allowed` for policy violations. */
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    code: ProblemCode,
    detail?: string,
    options: {
      extensions?: Record<string, unknown>;
      headers?: Record<string, string>;
      /** The underlying failure, kept for the log and never sent to the caller. */
      cause?: unknown;
    } = {},
  ) {
    super(detail ?? TITLES[code], { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.status = PROBLEM_STATUS[code];
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  requestId: string;
  [extension: string]: unknown;
}

export function problemDocument(error: ApiError, requestId: string): ProblemDocument {
  return {
    ...error.extensions,
    type: `https://portcullis.dev/problems/${error.code.replaceAll("_", "-")}`,
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    detail: error.message,
    requestId,
  };
}
