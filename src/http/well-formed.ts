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

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * Refuses a body of another media type (415, naming the type to send), a body sent as JSON that
 * does not parse (400) and a JSON body holding ill-formed text (400), before any route reads it. A
 * request without a body passes: several actions take none.
 */
export function requireWellFormedJson(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const type = c.req.header("Content-Type") ?? "";
    if (!JSON_MEDIA_TYPE.test(type)) {
      if (hasBody(c.req.raw)) {
        throw new ApiError("unsupported_media_type", "Send the body as application/json.");
      }
      return next();
    }

    // Hono keeps the text, so the route's validator parses the same body again. An empty one is
    // left to the route: several actions take no body, whatever the Content-Type says.
    const text = await c.req.text();
    if (text.trim() === "") return next();
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

function hasBody(request: Request): boolean {
  if (request.method === "GET" || request.method === "HEAD") return false;
  const length = request.headers.get("Content-Length");
  if (length !== null) return length.trim() !== "0";
  return request.body !== null;
}
