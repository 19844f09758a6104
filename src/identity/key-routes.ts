/**
 * /v1/keys: create, list and revoke the tenant's API keys, with the `admin` scope. The plaintext
 * key is in the answer to creating it and nowhere else: the record keeps only its sha256, and
 * neither the list, the log nor the audit carries the key or its hash. Each change is written
 * together with its audit event in one D1 batch.
 *
 * Revoking the key that makes the request is allowed. That request is answered; the next one with
 * the key gets 401, because authentication accepts only keys that are not revoked. The tenant's
 * last active admin key is the exception (409 `last_admin_key`): without it nobody could make or
 * revoke keys, and only `npm run tenant:create -- --tenant` could recover the tenant.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, isNotNull, isNull, notExists, sql } from "drizzle-orm";
import { buildAuditEvent, type EventOrigin } from "../audit/events.ts";
import { auditOrigin } from "../audit/origin.ts";
import { insertAuditEvents } from "../audit/store.ts";
import { type Database, database } from "../db/client.ts";
import { apiKeys, auditEvents } from "../db/schema.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { ApiError } from "../http/problems.ts";
import { routeGuard } from "../http/route-guard.ts";
import { idPattern } from "../ids.ts";
import { generateApiKey, SCOPES, type Scope, scopeSchema } from "./api-keys.ts";

type KeyRow = typeof apiKeys.$inferSelect;

const keyIdSchema = z
  .string()
  .regex(idPattern("apiKey"), "Not an API key id.")
  .openapi({ example: "key_Q2h8vJx0LmTa5RcYw1NbKe" });

const scopeListSchema = z
  .array(scopeSchema)
  .min(1, "Give at least one scope.")
  .refine((scopes) => new Set(scopes).size === scopes.length, "Each scope may be given once.")
  .openapi({ description: `Any of: ${SCOPES.join(", ")}.`, example: ["publish", "issue"] });

/**
 * A key's name is the principal: the audit records it as actor, and approval compares it with the
 * issuer's to stop self-approval. So it holds only letters and digits (any script), spaces and
 * `. _ @ + -`: lookalike punctuation (U+2010 hyphen) and invisible or bidirectional controls
 * (U+200B, U+202E) could make two names look alike while differing, or one read as another.
 */
export const KEY_NAME_PATTERN = /^[\p{L}\p{N} ._@+-]+$/u;

export const keyNameSchema = z
  .string()
  .trim()
  .normalize("NFC")
  .min(1, "Name the person or service the key is for.")
  .max(100, "At most 100 characters.")
  .regex(
    KEY_NAME_PATTERN,
    "Use letters and digits of any script, spaces, and '.', '_', '@', '+' or '-'.",
  )
  .openapi({
    description:
      "The person or service the key belongs to; the audit names it as actor. Letters and " +
      "digits of any script, spaces, and '.', '_', '@', '+' or '-'; at most 100 characters.",
    example: "nightly-export",
  });

const createKeySchema = z
  .object({
    name: keyNameSchema,
    scopes: scopeListSchema,
  })
  .strict()
  .openapi("CreateApiKey");

const apiKeySchema = z
  .object({
    id: keyIdSchema,
    name: z.string(),
    scopes: z.array(scopeSchema),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
    createdBy: z
      .string()
      .nullable()
      .openapi({ description: "Who created the key; null for keys made outside the API." }),
  })
  .openapi("ApiKey");

const createdApiKeySchema = apiKeySchema
  .extend({
    key: z.string().openapi({
      description: "The key itself, `pcl.<key id>.<secret>`. Shown only here: store it now.",
    }),
  })
  .openapi("CreatedApiKey");

type ApiKeyBody = z.infer<typeof apiKeySchema>;

const createKeyRoute = createRoute({
  method: "post",
  middleware: [routeGuard("admin")] as const,
  path: "/keys",
  summary: "Create an API key",
  description:
    "The answer carries the key once; only its hash is kept. An admin may give any scope, " +
    "admin included.",
  request: {
    body: { required: true, content: { "application/json": { schema: createKeySchema } } },
  },
  responses: {
    201: {
      description: "The new key, with the key itself (shown only here)",
      content: { "application/json": { schema: createdApiKeySchema } },
    },
    ...problemResponses(400, 401, 403),
  },
});

const listKeysRoute = createRoute({
  method: "get",
  middleware: [routeGuard("admin")] as const,
  path: "/keys",
  summary: "List the tenant's API keys, revoked ones included, newest first",
  responses: {
    200: {
      description: "The keys, without the keys themselves",
      content: { "application/json": { schema: z.object({ keys: z.array(apiKeySchema) }) } },
    },
    ...problemResponses(401, 403),
  },
});

const revokeKeyRoute = createRoute({
  method: "post",
  middleware: [routeGuard("admin", { body: "none" })] as const,
  path: "/keys/{keyId}/revoke",
  summary: "Revoke an API key at once",
  description:
    "The key is refused from its next request on. The calling key may revoke itself. " +
    "Revoking a revoked key changes nothing and answers the key as it is. The tenant's last " +
    "active key with the admin scope cannot be revoked (409 `last_admin_key`).",
  request: { params: z.object({ keyId: keyIdSchema }) },
  responses: {
    200: {
      description: "The revoked key",
      content: { "application/json": { schema: apiKeySchema } },
    },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

/** Stored scopes read as authentication reads them: a list with an unknown name grants none. */
const storedScopesSchema = z.array(scopeSchema).catch([]);

function toKeyBody(row: KeyRow): ApiKeyBody {
  return {
    id: row.id,
    name: row.principal,
    scopes: storedScopesSchema.parse(row.scopes),
    createdAt: new Date(row.createdAt).toISOString(),
    revokedAt: row.revokedAt === null ? null : new Date(row.revokedAt).toISOString(),
    createdBy: row.createdBy,
  };
}

/** A key of the caller's tenant, or 404 — the same 404 whether it is foreign or missing. */
async function requireKeyRow(db: Database, tenantId: string, keyId: string): Promise<KeyRow> {
  const row = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId)))
    .get();
  if (!row) throw new ApiError("not_found", "No such API key.");
  return row;
}

async function insertKey(
  db: Database,
  tenantId: string,
  input: { name: string; scopes: Scope[] },
  origin: EventOrigin & { actor: string },
  now = Date.now(),
) {
  const { keyId, key, secretHash } = await generateApiKey();
  const insertRow = db.insert(apiKeys).values({
    id: keyId,
    tenantId,
    principal: input.name,
    secretHash,
    scopes: input.scopes,
    createdAt: now,
    createdBy: origin.actor,
  });
  const event = buildAuditEvent(
    {
      tenantId,
      action: "key.created",
      outcome: "succeeded",
      detail: { keyId, name: input.name, scopes: input.scopes },
    },
    origin,
    now,
  );
  await db.batch([insertRow, insertAuditEvents(db, [event])]);
  return { key, row: await requireKeyRow(db, tenantId, keyId) };
}

function holdsAdmin(row: KeyRow): boolean {
  return storedScopesSchema.parse(row.scopes).includes("admin");
}

function lastAdminKey(): ApiError {
  return new ApiError(
    "last_admin_key",
    "This is the tenant's last active key with the admin scope; revoking it would leave nobody " +
      "able to manage keys. Create another key with the admin scope first, then revoke this one.",
  );
}

/** Refuses to revoke an admin key when no other active key of its tenant holds `admin`. */
async function requireAnotherAdmin(db: Database, row: KeyRow): Promise<void> {
  if (!holdsAdmin(row)) return;
  const active = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, row.tenantId), isNull(apiKeys.revokedAt)))
    .all();
  if (!active.some((other) => other.id !== row.id && holdsAdmin(other))) throw lastAdminKey();
}

/**
 * The same rule inside the revoking statement, for two admins revoking each other at once: D1
 * runs one batch at a time, so the second finds no other admin and changes nothing.
 */
function anotherActiveAdmin(row: KeyRow) {
  return sql`EXISTS (SELECT 1 FROM ${apiKeys} AS other, json_each(other.scopes) AS scope
    WHERE other.tenant_id = ${row.tenantId} AND other.id <> ${row.id}
      AND other.revoked_at IS NULL AND scope.value = 'admin')`;
}

async function revokeKey(
  db: Database,
  row: KeyRow,
  origin: EventOrigin & { actor: string },
  now = Date.now(),
): Promise<KeyRow> {
  if (row.revokedAt !== null) return row;
  await requireAnotherAdmin(db, row);

  const revoke = db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(
      and(
        eq(apiKeys.tenantId, row.tenantId),
        eq(apiKeys.id, row.id),
        isNull(apiKeys.revokedAt),
        holdsAdmin(row) ? anotherActiveAdmin(row) : undefined,
      ),
    );
  const event = buildAuditEvent(
    {
      tenantId: row.tenantId,
      action: "key.revoked",
      outcome: "succeeded",
      detail: { keyId: row.id, name: row.principal, scopes: storedScopesSchema.parse(row.scopes) },
    },
    origin,
    now,
  );
  // A key is revoked once, so its revocation event gets one id, derived from the key's: when two
  // revocations race, the loser's update matches no row and its event insert is ignored.
  const once = { ...event, id: `evt_${row.id.slice("key_".length)}` };
  // When the last-admin rule stopped the update, the event describes nothing: drop it in the
  // same batch. Its id belongs to this key's revocation alone, so no other event can go with it.
  const dropIfNotRevoked = db.delete(auditEvents).where(
    and(
      eq(auditEvents.id, once.id),
      notExists(
        db
          .select({ id: apiKeys.id })
          .from(apiKeys)
          .where(and(eq(apiKeys.id, row.id), isNotNull(apiKeys.revokedAt))),
      ),
    ),
  );
  await db.batch([revoke, insertAuditEvents(db, [once]), dropIfNotRevoked]);

  const after = await requireKeyRow(db, row.tenantId, row.id);
  if (after.revokedAt === null) throw lastAdminKey();
  return after;
}

export function registerKeyRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(createKeyRoute, async (c) => {
    const principal = c.get("principal");
    const body = c.req.valid("json");

    const db = database(c.env.DB);
    const { key, row } = await insertKey(db, principal.tenantId, body, auditOrigin(c));

    c.get("logger").info("api key created", { keyId: row.id, scopes: body.scopes });
    return c.json({ ...toKeyBody(row), key }, 201);
  });

  api.openapi(listKeysRoute, async (c) => {
    const principal = c.get("principal");

    const rows = await database(c.env.DB)
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.tenantId, principal.tenantId))
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
      .all();
    return c.json({ keys: rows.map(toKeyBody) }, 200);
  });

  api.openapi(revokeKeyRoute, async (c) => {
    const principal = c.get("principal");
    const { keyId } = c.req.valid("param");

    const db = database(c.env.DB);
    const row = await requireKeyRow(db, principal.tenantId, keyId);
    const revoked = await revokeKey(db, row, auditOrigin(c));

    c.get("logger").info("api key revoked", { keyId, own: keyId === principal.keyId });
    return c.json(toKeyBody(revoked), 200);
  });
}
