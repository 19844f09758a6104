/** The HTTP side of the client: headers, redirects, answers checked against their schema. */
import type { z } from "zod";
import { newId } from "../ids.ts";
import { PortcullisError, withoutUrlCredentials } from "./errors.ts";
import { problemSchema } from "./types.ts";

/** The header both sides use for the request id (the server echoes the client's). */
export const REQUEST_ID_HEADER = "Portcullis-Request-Id";

/** `fetch` as the client calls it; `duplex` is what streaming request bodies need in Node. */
export type FetchLike = (url: string, init: RequestInit & { duplex?: "half" }) => Promise<Response>;

export interface CallOptions {
  signal?: AbortSignal;
}

export interface Call {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: URLSearchParams;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

/**
 * Redirects are not part of the contract, and following one could carry the key elsewhere, so
 * none is followed. "error" is also what keeps Node's fetch from teeing a stream body for a
 * redirect it might follow, which holds the whole upload in memory (nodejs/undici#4058). Workers
 * reject "error", so there the client asks for "manual" and treats the 3xx as unexpected.
 */
const REDIRECT_MODE: "error" | "manual" =
  typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers"
    ? "manual"
    : "error";

/** A query string from a typed query: dates as ISO 8601, absent members left out. */
export function queryParams(query: object): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  return params;
}

/** Holds the key, so that the client's resource methods never touch it. */
export class Transport {
  readonly #baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: FetchLike;
  readonly #userAgent: string | undefined;

  constructor(baseUrl: string, apiKey: string, fetch: FetchLike, userAgent: string | undefined) {
    this.#baseUrl = baseUrl;
    this.#apiKey = apiKey;
    this.#fetch = fetch;
    this.#userAgent = userAgent;
  }

  /** Sends a call and parses its answer; the status is for answers whose body does not say. */
  async send<T>(
    schema: z.ZodType<T>,
    call: Call,
    options: CallOptions = {},
  ): Promise<{ data: T; status: number }> {
    const { response, requestId } = await this.#fetchCall(call, options);
    const text = await response.text().catch((error: unknown) => {
      throw transportError(error, requestId, options.signal);
    });
    const payload = parseJson(text);
    if (!response.ok) throw refusal(response, payload, requestId);

    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      const where = issue ? `${issue.path.join(".") || "(body)"}: ${issue.message}` : "invalid";
      throw new PortcullisError(
        "unexpected_response",
        `The answer to ${call.method} ${call.path} does not match the contract (${where}).`,
        { status: response.status, requestId, cause: parsed.error },
      );
    }
    return { data: parsed.data, status: response.status };
  }

  /** Sends a call whose answer is a stream (an export): the response, its body still unread. */
  async open(call: Call, accept: string, options: CallOptions = {}): Promise<Response> {
    const { response, requestId } = await this.#fetchCall(call, options, accept);
    if (response.ok && response.body) return response;
    const text = await response.text().catch(() => "");
    throw refusal(response, parseJson(text), requestId);
  }

  async #fetchCall(
    call: Call,
    options: CallOptions,
    accept = "application/json",
  ): Promise<{ response: Response; requestId: string }> {
    // Our own id, so that even a call that never got an answer can be traced in the logs.
    const sentRequestId = newId("request");
    const headers = new Headers(call.headers);
    headers.set("Authorization", `Bearer ${this.#apiKey}`);
    headers.set("Accept", accept);
    headers.set(REQUEST_ID_HEADER, sentRequestId);
    if (this.#userAgent) headers.set("User-Agent", this.#userAgent);
    let body = call.body;
    if (call.json !== undefined) {
      headers.set("Content-Type", "application/json");
      body = JSON.stringify(call.json);
    }
    const query = call.query?.size ? `?${call.query}` : "";
    const init: RequestInit & { duplex?: "half" } = {
      method: call.method,
      headers,
      body,
      redirect: REDIRECT_MODE,
    };
    if (body instanceof ReadableStream) init.duplex = "half";
    if (options.signal) init.signal = options.signal;

    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${call.path}${query}`, init);
    } catch (error) {
      throw transportError(error, sentRequestId, options.signal);
    }

    const requestId = response.headers.get(REQUEST_ID_HEADER) ?? sentRequestId;
    return { response, requestId };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function refusal(response: Response, payload: unknown, requestId: string): PortcullisError {
  const problem = problemSchema.safeParse(payload);
  if (problem.success) {
    const detail = problem.data.detail ?? problem.data.title ?? `HTTP ${response.status}`;
    return new PortcullisError(problem.data.code, detail, {
      status: response.status,
      requestId: problem.data.requestId ?? requestId,
      problem: problem.data,
    });
  }
  const statusText = response.statusText ? ` ${response.statusText}` : "";
  return new PortcullisError(
    "unexpected_response",
    `HTTP ${response.status}${statusText} without a problem document.`,
    { status: response.status, requestId },
  );
}

function transportError(error: unknown, requestId: string, signal?: AbortSignal): PortcullisError {
  // The metered body fails the upload with its own error; fetch may wrap it in a TypeError.
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof PortcullisError) return cause;
  }
  if (signal?.aborted) {
    return new PortcullisError("aborted", "The call was aborted.", { requestId, cause: error });
  }
  const reason = withoutUrlCredentials(
    error instanceof Error ? describeCause(error) : String(error),
  );
  return new PortcullisError("network_error", reason, { requestId, cause: error });
}

/** Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED, …) is in `cause`. */
function describeCause(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === "string"
      ? `${error.message} (${code})`
      : `${error.message}: ${cause.message}`;
  }
  return error.message;
}
