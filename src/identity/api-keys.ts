/**
 * API keys: how services authenticate to `/v1`. A key is `pcl.<key id>.<secret>`; the record
 * keeps only the sha256 of the whole key, found by its id and compared in constant time. Each key
 * belongs to one tenant and one named principal, and carries the scopes it may use.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { database } from "../db/client.ts";
import { apiKeys } from "../db/schema.ts";
import type { HonoEnv } from "../env.ts";
import { ApiError } from "../http/problems.ts";
import { randomBase64Url } from "../ids.ts";

export const SCOPES = ["publish", "issue", "revoke", "approve", "audit:read", "admin"] as const;
export const scopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof scopeSchema>;

export interface Principal {
  tenantId: string;
  keyId: string;
  /** The person or service the key was created for; recorded as the actor in the audit. */
  name: string;
  scopes: readonly Scope[];
}

const KEY_FORMAT = /^pcl\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Makes a new key. The plaintext is returned once and never stored. */
export async function generateApiKey(): Promise<{
  keyId: string;
  key: string;
  secretHash: string;
}> {
  const idPart = randomBase64Url(16);
  const key = `pcl.${idPart}.${randomBase64Url(32)}`;
  return { keyId: `key_${idPart}`, key, secretHash: await sha256Hex(key) };
}

function equalInConstantTime(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  // Both are hex sha256 digests of equal length; the length check leaks nothing secret.
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right);
}

async function authenticate(db: ReturnType<typeof database>, header: string | undefined) {
  const match = /^Bearer +(\S+)$/i.exec(header ?? "");
  const parts = match?.[1] ? KEY_FORMAT.exec(match[1]) : null;
  if (!match?.[1] || !parts) return null;

  const row = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, `key_${parts[1]}`), isNull(apiKeys.revokedAt)))
    .get();

  // Hash even when no row matched, so a missing key and a wrong secret take the same time.
  const presentedHash = await sha256Hex(match[1]);
  if (!row || !equalInConstantTime(presentedHash, row.secretHash)) return null;

  const scopes = z.array(scopeSchema).catch([]).parse(row.scopes);
  return { tenantId: row.tenantId, keyId: row.id, name: row.principal, scopes } satisfies Principal;
}

/** Requires a valid API key and sets `principal`; anything else is 401 `unauthenticated`. */
export function requireApiKey(): MiddlewareHandler<HonoEnv> {
  return async function apiKeyAuth(c, next) {
    const principal = await authenticate(database(c.env.DB), c.req.header("Authorization"));
    if (!principal) {
      throw new ApiError("unauthenticated", "Send a valid API key as a Bearer token.", {
        headers: { "WWW-Authenticate": 'Bearer realm="portcullis"' },
      });
    }
    c.set("principal", principal);
    c.get("logger").debug("caller authenticated", { keyId: principal.keyId });
    await next();
  };
}

export function assertScope(principal: Principal, scope: Scope): void {
  if (principal.scopes.includes(scope)) return;
  throw new ApiError("insufficient_scope", `This action needs the "${scope}" scope.`, {
    extensions: { requiredScope: scope },
  });
}
