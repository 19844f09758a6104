/**
 * How the recipient plane says no: a readable page for browsers, an RFC 9457 problem document for
 * API clients, and an audit record for tokens that could not be attributed to any link.
 */
import type { Context } from "hono";
import { buildAuditEvent } from "../audit/events.ts";
import { submitAuditEvents } from "../audit/ledger-client.ts";
import { recipientOrigin } from "../audit/origin.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponse } from "../http/errors.ts";
import { describeError } from "../http/logger.ts";
import { ApiError } from "../http/problems.ts";
import type { RecipientPageCode } from "./messages.ts";
import { prefersJson } from "./negotiation.ts";
import { newNonce, pageHeaders, renderDenial } from "./pages.tsx";

type RecipientContext = Context<HonoEnv>;

/** Everything the recipient plane may refuse with. */
export type RecipientProblem = RecipientPageCode | "range_not_satisfiable";

/** Answers a denial: a readable page for browsers, a problem document for API clients. */
export function denial(c: RecipientContext, code: RecipientProblem, extraHeaders = {}): Response {
  const error = new ApiError(code, undefined, { headers: extraHeaders });
  // A 416 only ever answers a download client's Range header, never a person reading a page.
  if (code === "range_not_satisfiable" || prefersJson(c.req.raw)) return problemResponse(c, error);

  const nonce = newNonce();
  const headers = new Headers(pageHeaders(nonce));
  headers.set("Content-Type", "text/html; charset=utf-8");
  for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
  const html = renderDenial(code, { nonce, requestId: c.get("requestId") });
  return new Response(html, { status: error.status, headers });
}

/**
 * Records a refused token. Its link cannot be trusted, so the event belongs to no tenant; it is
 * kept by the unattributed AuditLedger, which holds it until D1 takes it.
 */
export function auditInvalidToken(c: RecipientContext, stage: "link" | "session"): void {
  const event = buildAuditEvent(
    {
      tenantId: null,
      action: "download.denied",
      outcome: "denied",
      reason: "token_invalid",
      detail: { stage, method: c.req.raw.method },
    },
    recipientOrigin(c),
  );
  c.executionCtx.waitUntil(
    submitAuditEvents(c.env, null, [event]).catch((error: unknown) => {
      c.get("logger").error("invalid token audit failed", describeError(error));
    }),
  );
}
