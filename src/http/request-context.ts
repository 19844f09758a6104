/**
 * Per-request context: the request id (accepted from the caller only when short and plain),
 * what the audit records about the client, and the headers every response carries.
 */
import type { Context, MiddlewareHandler } from "hono";
import ipaddr from "ipaddr.js";
import { type HonoEnv, type Settings, settingsSchema } from "../env.ts";
import { newId } from "../ids.ts";
import { createLogger } from "./logger.ts";
import { ApiError } from "./problems.ts";

export const REQUEST_ID_HEADER = "Portcullis-Request-Id";
const USER_AGENT_LIMIT = 256;

export interface ClientInfo {
  ip: string | null;
  country: string | null;
  userAgent: string | null;
}

/**
 * The client's address as Cloudflare's edge reports it. The edge always sets one address; anything
 * else (a list, a name, kilobytes of text, as a local client may send) is not an address, and the
 * audit records none rather than whatever the header said.
 */
function clientAddress(request: Request): string | null {
  const header = request.headers.get("CF-Connecting-IP")?.trim();
  if (!header || header.length > 45 || !ipaddr.isValid(header)) return null;
  return ipaddr.parse(header).toString();
}

export function clientInfo(request: Request): ClientInfo {
  const cf = (request as Request & { cf?: { country?: unknown } }).cf;
  const userAgent = request.headers.get("User-Agent");
  return {
    ip: clientAddress(request),
    country: typeof cf?.country === "string" ? cf.country : null,
    userAgent: userAgent ? userAgent.slice(0, USER_AGENT_LIMIT) : null,
  };
}

function acceptedRequestId(candidate: string | undefined): string {
  if (candidate && candidate.length <= 64 && /^[\w.-]+$/.test(candidate)) return candidate;
  return newId("request");
}

let cachedSettings: { source: unknown; settings: Settings } | undefined;

function parseSettings(env: HonoEnv["Bindings"]): Settings {
  if (cachedSettings?.source === env) return cachedSettings.settings;
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
    throw new ApiError("misconfigured", `The gateway's environment is invalid: ${fields}.`);
  }
  cachedSettings = { source: env, settings: parsed.data };
  return parsed.data;
}

/** Baseline headers from DESIGN: nothing is cached, nothing leaks through referrers or sniffing. */
export function applyBaselineHeaders(headers: Headers): void {
  headers.set("Cache-Control", "no-store");
  headers.set("Referrer-Policy", "no-referrer");
  headers.set("X-Content-Type-Options", "nosniff");
}

export function requestContext(): MiddlewareHandler<HonoEnv> {
  return async function requestContextMiddleware(c, next) {
    const requestId = acceptedRequestId(c.req.header(REQUEST_ID_HEADER));
    c.set("requestId", requestId);
    c.set("client", clientInfo(c.req.raw));
    c.set("logger", createLogger({ requestId }));
    c.header(REQUEST_ID_HEADER, requestId);
    c.set("settings", parseSettings(c.env));

    await next();

    applyBaselineHeaders(c.res.headers);
    // Answers to the same URL differ by Accept (page or JSON), so caches must key on it.
    c.res.headers.append("Vary", "Accept");
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
  };
}

/** The origin used in URLs handed out: the configured public one, or the request's own. */
export function publicOrigin(c: Context<HonoEnv>): string {
  const configured = c.get("settings").PUBLIC_BASE_URL;
  return configured ? configured.replace(/\/+$/, "") : new URL(c.req.url).origin;
}
