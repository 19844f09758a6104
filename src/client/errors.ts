/**
 * The one error the client throws for a failed call. API refusals keep the server's stable
 * `code` from its problem document; failures the server never answered get a client-side code.
 */
import type { Problem } from "./types.ts";

/** Codes the client assigns itself, when there is no problem document to read one from. */
export type ClientErrorCode =
  /** The request never got an HTTP answer: DNS, refused connection, reset, TLS. */
  | "network_error"
  /** The caller's AbortSignal fired. */
  | "aborted"
  /** An answer that is not the contract's: not JSON, not a problem document, a missing field. */
  | "unexpected_response"
  /** The upload body produced more or fewer bytes than the `size` declared for it. */
  | "body_size_mismatch";

export class PortcullisError extends Error {
  /** The server's problem code (`link_revoked`, `policy_violation`, …) or a ClientErrorCode. */
  readonly code: string;
  /** The HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  readonly detail: string;
  /** The id to quote when asking about this request; sent by the client, echoed by the server. */
  readonly requestId: string | null;
  /** The whole problem document, extensions such as `rule` and `allowed` included, if any. */
  readonly problem: Problem | null;

  constructor(
    code: string,
    detail: string,
    options: {
      status?: number;
      requestId?: string | null;
      problem?: Problem | null;
      cause?: unknown;
    } = {},
  ) {
    super(`${code}: ${detail}`, { cause: options.cause });
    this.name = "PortcullisError";
    this.code = code;
    this.status = options.status ?? 0;
    this.detail = detail;
    this.requestId = options.requestId ?? null;
    this.problem = options.problem ?? null;
  }
}

/**
 * `text` with the user name and password taken out of every URL in it: `https://u:p@host/` reads
 * `https://host/`. Error text quotes URLs, and a URL's credentials are as secret as a key.
 */
export function withoutUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#]*@/gi, "$1");
}
