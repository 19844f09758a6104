/**
 * Endpoint signing secrets: made here, shown to the tenant once, and stored only encrypted.
 *
 * A secret is `whsec_` and 32 random bytes in base64, the form Standard Webhooks libraries read.
 * At rest it is sealed with AES-GCM under the Worker secret WEBHOOK_SECRET_KEY (32 bytes, base64),
 * with the endpoint id as additional data, so a ciphertext copied onto another endpoint's row
 * fails to open instead of signing for it. Stored form: `v1.<iv>.<ciphertext>`, both base64.
 */
import { ApiError } from "../http/problems.ts";

const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;
const IV_BYTES = 12;
const FORMAT = "v1";

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))}`;
}

// One key per isolate: the binding's text and the imported key, so a rotated binding is seen.
let cachedKey: { source: string; key: Promise<CryptoKey> } | undefined;

function misconfigured(detail: string): ApiError {
  // Names the variable and the rule only; the value itself never reaches a message.
  return new ApiError("misconfigured", `WEBHOOK_SECRET_KEY ${detail}.`);
}

function encryptionKey(env: Env): Promise<CryptoKey> {
  const source = (env as Env & { WEBHOOK_SECRET_KEY?: string }).WEBHOOK_SECRET_KEY;
  if (!source) throw misconfigured("is not set");
  if (cachedKey?.source === source) return cachedKey.key;

  let raw: Uint8Array;
  try {
    raw = fromBase64(source.trim());
  } catch {
    throw misconfigured("is not base64");
  }
  if (raw.byteLength !== 32) throw misconfigured("must be 32 bytes in base64");
  const key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  cachedKey = { source, key };
  return key;
}

export async function encryptSecret(env: Env, endpointId: string, secret: string) {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const additionalData = new TextEncoder().encode(endpointId);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData },
    await encryptionKey(env),
    new TextEncoder().encode(secret),
  );
  return `${FORMAT}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** Opens a stored secret; a damaged or foreign ciphertext is an error, never a wrong secret. */
export async function decryptSecret(env: Env, endpointId: string, stored: string): Promise<string> {
  const [format, iv, sealed] = stored.split(".");
  if (format !== FORMAT || !iv || !sealed) throw new Error("stored webhook secret is malformed");
  const additionalData = new TextEncoder().encode(endpointId);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData },
    await encryptionKey(env),
    fromBase64(sealed),
  );
  return new TextDecoder().decode(plain);
}
