/**
 * `GET|HEAD /s/{token}`: serving a version, or a bundle's ZIP, under a download session with
 * RFC 9110 semantics: `Range` (one range answered 206, anything unsatisfiable 416), `If-Range`
 * against the strong ETag, and `If-None-Match` (304 only while the session is valid). HEAD reads
 * nothing from R2.
 */
import type { Context } from "hono";
import { recipientOrigin } from "../audit/origin.ts";
import type { HonoEnv } from "../env.ts";
import { describeError } from "../http/logger.ts";
import { linkGuard } from "../links/guard-client.ts";
import type { DeliveredFile } from "../links/model.ts";
import { verifySessionToken } from "../tokens/tokens.ts";
import { auditInvalidToken, denial } from "./answers.ts";
import { type ByteSpan, meteredBody, openDelivered } from "./delivery.ts";
import { fileHeaders, strongEtag } from "./file-headers.ts";
import { ifRangeAllowsPartial, parseRange, unsatisfiedRange } from "./range.ts";

function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(",")
    .map((candidate) => candidate.trim().replace(/^W\//, ""))
    .some((candidate) => candidate === "*" || candidate === etag);
}

/** The span to send: the whole file, one satisfiable range, or null when none can be. */
function chooseSpan(c: Context<HonoEnv>, file: DeliveredFile): ByteSpan | null | "whole" {
  const etag = strongEtag(file.sha256);
  const rangeHeader = c.req.header("Range") ?? null;
  if (rangeHeader === null || !ifRangeAllowsPartial(c.req.header("If-Range") ?? null, etag)) {
    return "whole";
  }
  const decision = parseRange(rangeHeader, file.size);
  if (decision.kind === "full") return "whole";
  if (decision.kind === "unsatisfiable") return null;
  return { start: decision.start, end: decision.end };
}

export async function serveSession(c: Context<HonoEnv>): Promise<Response> {
  const token = c.req.param("token") ?? "";
  const checked = await verifySessionToken(c.get("settings").LINK_SIGNING_KEYS, token);
  if (checked.status === "invalid") {
    auditInvalidToken(c, "session");
    return denial(c, "token_invalid");
  }
  if (checked.status === "expired") return denial(c, "session_ended");

  const { sessionId, linkId } = checked.claims;
  const guard = linkGuard(c.env, linkId);
  const origin = recipientOrigin(c);
  const streaming = c.req.raw.method !== "HEAD";
  const authorization = await guard.authorizeFetch(sessionId, origin, { streaming });
  if (!authorization.allowed) return denial(c, authorization.code);

  const { file, bundle } = authorization;
  const etag = strongEtag(file.sha256);
  if (matchesEtag(c.req.header("If-None-Match"), etag)) {
    return new Response(null, { status: 304, headers: { ETag: etag } });
  }

  const chosen = chooseSpan(c, file);
  if (chosen === null) {
    return denial(c, "range_not_satisfiable", { "Content-Range": unsatisfiedRange(file.size) });
  }
  const partial = chosen !== "whole";
  const span: ByteSpan = partial ? chosen : { start: 0, end: file.size - 1 };
  const headers = fileHeaders(file, partial ? span : undefined, { reprDigest: bundle === null });
  const status = partial ? 206 : 200;
  if (c.req.raw.method === "HEAD") return new Response(null, { status, headers });

  let source: ReadableStream<Uint8Array>;
  try {
    source = await openDelivered(c.env.FILES, file, bundle, span);
  } catch (error) {
    c.get("logger").error("download storage read failed", { linkId, ...describeError(error) });
    const failure = error instanceof Error ? error.message : "storage read failed";
    await guard.returnUse(sessionId, origin, failure);
    return denial(c, "storage_unavailable");
  }

  const report = (servedEnd: number) =>
    guard.recordDelivery(sessionId, span.start, servedEnd, origin).catch((error: unknown) => {
      c.get("logger").error("delivery report failed", { linkId, ...describeError(error) });
    });
  const body = meteredBody(source, span, {
    report,
    // A failed check is not a revocation: the stream goes on rather than cut a good download.
    stillAllowed: () => guard.isLive().catch(() => true),
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
  });
  return new Response(body, { status, headers });
}
