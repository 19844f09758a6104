/**
 * Text must be valid Unicode. JSON can carry a lone UTF-16 surrogate (`"\ud800"`), which no UTF-8
 * store can hold faithfully and no canonical JSON can hash, so such text is refused at the door
 * with 400 `invalid_request`, and any that reaches an audit event anyway is made well-formed.
 */
import type { MiddlewareHandler } from "hono";
import type { HonoEnv } from "../env.ts";
import { ApiError } from "./problems.ts";
import { firstRepeatedKey } from "./repeated-keys.ts";

/**
 * Whether a parsed JSON value holds a string (or a key) that is not well-formed Unicode. It walks
 * with its own stack, not by recursion: a body nested thousands deep must get its 400, not a
 * stack overflow.
 */
export function hasIllFormedText(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === "string") {
      if (!item.isWellFormed()) return true;
    } else if (Array.isArray(item)) {
      pending.push(...item);
    } else if (item !== null && typeof item === "object") {
      for (const [key, member] of Object.entries(item)) {
        if (!key.isWellFormed()) return true;
        pending.push(member);
      }
    }
  }
  return false;
}

/** The same value with every string and key made well-formed (a lone surrogate becomes U+FFFD). */
export function wellFormed<T>(value: T): T {
  if (typeof value === "string") return value.toWellFormed() as T;
  if (Array.isArray(value)) return value.map(wellFormed) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key.toWellFormed(), wellFormed(item)]),
    ) as T;
  }
  return value;
}

/** application/json, with at most a charset parameter, which must be UTF-8 (RFC 8259 §8.1). */
const JSON_MEDIA_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * Refuses a body of another media type (415, naming the type to send), a body sent as JSON that
 * does not parse (400), one that gives a key twice in an object (400) and one holding ill-formed
 * text (400), before any route reads it. An empty body is no body, whatever its Content-Type: the
 * route sees none, so an action whose body is optional is done without it. A GET or HEAD has no
 * body to judge.
 */
export function requireWellFormedJson(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const text = await bodyTextOf(c.req.raw, () => c.req.text());
    if (text === null) {
      c.req.raw = withoutBody(c.req.raw);
      return next();
    }
    if (!JSON_MEDIA_TYPE.test(c.req.header("Content-Type") ?? "")) {
      throw new ApiError("unsupported_media_type", "Send the body as application/json (UTF-8).");
    }

    // Hono keeps the text, so the route's validator parses the same body again.
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError("invalid_request", "The body is not valid JSON.");
    }
    const repeated = firstRepeatedKey(text);
    if (repeated !== null) {
      throw new ApiError(
        "invalid_request",
        `The key ${JSON.stringify(repeated.slice(0, 64))} is given more than once in one object; ` +
          "give it once.",
      );
    }
    if (hasIllFormedText(body)) {
      throw new ApiError(
        "invalid_request",
        "Text in the body must be valid Unicode: it holds a lone UTF-16 surrogate.",
      );
    }
    return next();
  };
}

/** Refuses any body (400): for actions that take none, so nothing sent is silently ignored. */
export function refuseAnyBody(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const text = await bodyTextOf(c.req.raw, () => c.req.text());
    if (text !== null) throw new ApiError("invalid_request", "This action takes no body.");
    return next();
  };
}

/** The body's text, or null when there is none to judge: a GET, a HEAD, or only white space. */
async function bodyTextOf(request: Request, read: () => Promise<string>): Promise<string | null> {
  if (request.method === "GET" || request.method === "HEAD") return null;
  if (request.headers.get("Content-Length")?.trim() === "0" || request.body === null) return null;
  const text = await read();
  return text.trim() === "" ? null : text;
}

/** The same request with no body and no headers describing one. */
function withoutBody(request: Request): Request {
  const headers = new Headers(request.headers);
  headers.delete("Content-Type");
  headers.delete("Content-Length");
  return new Request(request.url, { method: request.method, headers });
}
