/**
 * Test harness: every test seeds its own tenant and API key straight into D1, then talks to the
 * Worker through its real fetch handler, so each test is isolated and exercises the full stack.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { database } from "../../src/db/client.ts";
import { apiKeys, tenants } from "../../src/db/schema.ts";
import { generateApiKey, SCOPES, type Scope } from "../../src/identity/api-keys.ts";
import { newId } from "../../src/ids.ts";
import { linkGuard } from "../../src/links/guard-client.ts";

export const ORIGIN = "https://gateway.test";

export interface TestTenant {
  tenantId: string;
  key: string;
  keyId: string;
  principal: string;
}

export async function seedTenant(
  options: { scopes?: readonly Scope[]; principal?: string } = {},
): Promise<TestTenant> {
  const db = database(env.DB);
  const tenantId = newId("tenant");
  const principal = options.principal ?? `svc-${tenantId.slice(4, 10)}`;
  const { keyId, key, secretHash } = await generateApiKey();
  await db.insert(tenants).values({ id: tenantId, name: "Test tenant", createdAt: Date.now() });
  await db.insert(apiKeys).values({
    id: keyId,
    tenantId,
    principal,
    secretHash,
    scopes: [...(options.scopes ?? SCOPES)],
    createdAt: Date.now(),
  });
  return { tenantId, key, keyId, principal };
}

/** Adds another key to an existing tenant, e.g. one with fewer scopes. */
export async function addKey(tenant: TestTenant, scopes: readonly Scope[]): Promise<string> {
  const { keyId, key, secretHash } = await generateApiKey();
  await database(env.DB)
    .insert(apiKeys)
    .values({
      id: keyId,
      tenantId: tenant.tenantId,
      principal: `${tenant.principal}-limited`,
      secretHash,
      scopes: [...scopes],
      createdAt: Date.now(),
    });
  return key;
}

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  const url = path.startsWith("http") ? path : `${ORIGIN}${path}`;
  return exports.default.fetch(new Request(url, init));
}

export function api(
  tenantOrKey: TestTenant | string,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<Response> {
  const key = typeof tenantOrKey === "string" ? tenantOrKey : tenantOrKey.key;
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  return call(`/v1${path}`, { ...init, headers, body });
}

export interface PublishOptions {
  name?: string;
  class?: string;
  filename?: string;
  contentType?: string;
  query?: Record<string, string | string[]>;
}

export async function publishRaw(
  tenant: TestTenant | string,
  bytes: Uint8Array | ArrayBuffer,
  options: PublishOptions = {},
): Promise<Response> {
  const params = new URLSearchParams();
  params.set("class", options.class ?? "restricted");
  if (options.filename) params.set("filename", options.filename);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    for (const item of [value].flat()) params.append(key, item);
  }
  const name = options.name ?? `export-${crypto.randomUUID().slice(0, 8)}`;
  return api(tenant, `/objects/${name}/versions?${params}`, {
    method: "POST",
    body: bytes,
    headers: {
      "Content-Type": options.contentType ?? "text/csv",
      "Content-Length": String(bytes.byteLength),
    },
  });
}

export interface PublishedVersion {
  versionId: string;
  sha256: string;
  size: number;
  filename: string;
}

export async function publish(
  tenant: TestTenant | string,
  bytes: Uint8Array | ArrayBuffer,
  options: PublishOptions = {},
): Promise<PublishedVersion> {
  const response = await publishRaw(tenant, bytes, options);
  if (response.status !== 201) throw new Error(`publish failed: ${await response.text()}`);
  return response.json();
}

export interface IssuedLink {
  id: string;
  url: string;
  expiresAt: string;
  /** The `/d/{token}` path of `url`. */
  path: string;
}

export async function issue(
  tenant: TestTenant | string,
  versionId: string,
  terms: { ttlSeconds?: number; maxUses?: number; recipientEmail?: string } = {},
): Promise<IssuedLink> {
  const response = await api(tenant, "/links", {
    method: "POST",
    json: { versionId, ...terms },
  });
  if (response.status !== 201) throw new Error(`issue failed: ${await response.text()}`);
  const link = (await response.json()) as Omit<IssuedLink, "path">;
  return { ...link, path: new URL(link.url).pathname };
}

/** Confirms a link like `curl -d ''`: POST, then the session URL from the 303. */
export async function confirm(linkPath: string, headers: HeadersInit = {}): Promise<Response> {
  return call(linkPath, {
    method: "POST",
    redirect: "manual",
    headers: { Accept: "application/json", ...headers },
  });
}

export async function confirmAndGetSessionPath(linkPath: string): Promise<string> {
  const response = await confirm(linkPath);
  if (response.status !== 303) throw new Error(`confirm failed: ${await response.text()}`);
  const location = response.headers.get("Location");
  if (!location) throw new Error("303 without Location");
  return location;
}

/** Runs the link's LinkGuard alarm until its outbox is empty, so D1 holds every event. */
export async function flushAudit(linkId: string): Promise<void> {
  const guard = linkGuard(env, linkId);
  for (let round = 0; round < 10; round += 1) {
    if ((await guard.pendingEvents()) === 0) return;
    await runDurableObjectAlarm(guard);
  }
  throw new Error(`audit outbox of ${linkId} did not drain`);
}

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The bytes of several chunks, in order, as one array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.byteLength;
  }
  return whole;
}

/** The events of one action, in the order given. */
export function withAction<Event extends { action: string }>(events: Event[], action: string) {
  return events.filter((event) => event.action === action);
}
