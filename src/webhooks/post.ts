/**
 * One HTTP attempt at a receiver. A 2xx is a delivery; anything else is a failure described in a
 * short text for the attempt record: the status and a few bytes of the answer, a redirect (never
 * followed: it could lead anywhere), a timeout or a network error. The text never holds a
 * secret: none is sent, and any that a receiver might echo is cut out.
 */
import type { SignedRequest } from "./signing.ts";

/** How much of a receiver's answer is read, and kept in the attempt record. */
const BODY_EXCERPT_BYTES = 256;

export interface AttemptOutcome {
  delivered: boolean;
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
}

async function excerpt(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Whatever else the receiver sends is not wanted.
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes.slice(0, BODY_EXCERPT_BYTES));
}

function clean(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    result = result.replaceAll(secret, "[secret]").replaceAll(secret.slice(6), "[secret]");
  }
  // One line, printable: it is shown in listings and terminals.
  return result
    .replace(/\p{Cc}+/gu, " ")
    .trim()
    .slice(0, 300);
}

function failureText(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  return `network error: ${error instanceof Error ? error.message : String(error)}`;
}

export async function postWebhook(
  url: string,
  request: SignedRequest,
  secrets: readonly string[],
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const started = Date.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const text = clean(failureText(error, timeoutMs), secrets);
    return { delivered: false, responseStatus: null, latencyMs: Date.now() - started, error: text };
  }

  const answer = await excerpt(response).catch(() => "");
  const latencyMs = Date.now() - started;
  const status = response.status;
  if (status >= 200 && status < 300) {
    return { delivered: true, responseStatus: status, latencyMs, error: null };
  }
  const what =
    status >= 300 && status < 400
      ? `redirect ${status} not followed`
      : `HTTP ${status}${answer ? `: ${answer}` : ""}`;
  return { delivered: false, responseStatus: status, latencyMs, error: clean(what, secrets) };
}
