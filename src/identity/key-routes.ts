/**
 * /v1/keys: create, list and revoke the tenant's API keys, with the `admin` scope. The plaintext
 * key is in the answer to creating it and nowhere else: the record keeps only its sha256, and
 * neither the list, the log nor the audit carries the key or its hash. Each change is written
 * together with its audit event in one D1 batch.
 *
 * Revoking the key that makes the request is allowed. That request is answered; the next one with
 * the key gets 401, because authentication accepts only keys that are not revoked.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, isNull } from "drizzle-orm";
import { buildAuditEvent, type EventOrigin } from "../audit/events.ts";
import { auditOrigin } from "../audit/origin.ts";
import { insertAuditEvents } from "../audit/store.ts";
import { type Database, database } from "../db/client.ts";
import { apiKeys } from "../db/schema.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { ApiError } from "../http/problems.ts";
import { idPattern } from "../ids.ts";
import { generateApiKey, requireScope, SCOPES, type Scope, scopeSchema } from "./api-keys.ts";

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

const createKeySchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "Name the person or service the key is for.")
      .max(100, "At most 100 characters.")
      .refine((name) => !/\p{Cc}/u.test(name), "No control characters.")
      .openapi({
        description: "The person or service the key belongs to; the audit names it as actor.",
        example: "nightly-export",
      }),
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
  middleware: [requireScope("admin")] as const,
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
  middleware: [requireScope("admin")] as const,
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
  middleware: [requireScope("admin")] as const,
  path: "/keys/{keyId}/revoke",
  summary: "Revoke an API key at once",
  description:
    "The key is refused from its next request on. The calling key may revoke itself. " +
    "Revoking a revoked key changes nothing and answers the key as it is.",
  request: { params: z.object({ keyId: keyIdSchema }) },
  responses: {
    200: {
      description: "The revoked key",
      content: { "application/json": { schema: apiKeySchema } },
    },
    ...problemResponses(400, 401, 403, 404),
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

async function revokeKey(
  db: Database,
  row: KeyRow,
  origin: EventOrigin & { actor: string },
  now = Date.now(),
): Promise<KeyRow> {
  if (row.revokedAt !== null) return row;

  const revoke = db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(
      and(eq(apiKeys.tenantId, row.tenantId), eq(apiKeys.id, row.id), isNull(apiKeys.revokedAt)),
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
  await db.batch([revoke, insertAuditEvents(db, [once])]);
  return requireKeyRow(db, row.tenantId, row.id);
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
