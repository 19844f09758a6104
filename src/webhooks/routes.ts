/**
 * /v1/webhooks: the tenant's webhook endpoints, with the `admin` scope (an endpoint receives the
 * tenant's audit events, more than `audit:read` shows, so registering one is an admin act).
 * Create, list, read, change, delete and rotate the signing secret; each change is written with
 * its audit event in one D1 batch. The secret is in the answers to create and rotate only: it is
 * stored encrypted and never listed, logged or audited. Deliveries and replays: routes in
 * delivery-routes.ts.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditOrigin } from "../audit/origin.ts";
import { database } from "../db/client.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { ApiError } from "../http/problems.ts";
import { routeGuard } from "../http/route-guard.ts";
import { registerWebhookDeliveryRoutes } from "./delivery-routes.ts";
import {
  createWebhookSchema,
  rotateSecretSchema,
  updateWebhookSchema,
  webhookParamsSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from "./schemas.ts";
import {
  createEndpoint,
  deleteEndpoint,
  type EndpointRow,
  listEndpoints,
  requireEndpoint,
  rotateSecret,
  updateEndpoint,
} from "./store.ts";
import { checkWebhookUrl, WebhookUrlError } from "./urls.ts";

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const createRouteDef = createRoute({
  method: "post",
  middleware: [routeGuard("admin")] as const,
  path: "/webhooks",
  summary: "Register a webhook endpoint",
  description:
    "Events whose action matches `eventTypes` are POSTed to `url`, signed per Standard " +
    "Webhooks. The answer carries the signing secret once; only its ciphertext is kept.",
  request: {
    body: { required: true, content: { "application/json": { schema: createWebhookSchema } } },
  },
  responses: {
    201: json(webhookWithSecretSchema, "The endpoint, with its secret (shown only here)"),
    ...problemResponses(400, 401, 403),
  },
});

const listRouteDef = createRoute({
  method: "get",
  middleware: [routeGuard("admin")] as const,
  path: "/webhooks",
  summary: "List the tenant's webhook endpoints, newest first",
  responses: {
    200: json(z.object({ webhooks: z.array(webhookSchema) }), "The endpoints, without secrets"),
    ...problemResponses(401, 403),
  },
});

const getRouteDef = createRoute({
  method: "get",
  middleware: [routeGuard("admin")] as const,
  path: "/webhooks/{webhookId}",
  summary: "Read a webhook endpoint",
  request: { params: webhookParamsSchema },
  responses: {
    200: json(webhookSchema, "The endpoint, without its secret"),
    ...problemResponses(400, 401, 403, 404),
  },
});

const updateRouteDef = createRoute({
  method: "patch",
  middleware: [routeGuard("admin")] as const,
  path: "/webhooks/{webhookId}",
  summary: "Change a webhook endpoint's URL, event types, description or disabled state",
  request: {
    params: webhookParamsSchema,
    body: { required: true, content: { "application/json": { schema: updateWebhookSchema } } },
  },
  responses: {
    200: json(webhookSchema, "The endpoint as changed"),
    ...problemResponses(400, 401, 403, 404),
  },
});

const deleteRouteDef = createRoute({
  method: "delete",
  middleware: [routeGuard("admin", { body: "none" })] as const,
  path: "/webhooks/{webhookId}",
  summary: "Delete a webhook endpoint and its delivery records",
  description: "Deliveries still queued for it are dropped. The audit keeps the deletion.",
  request: { params: webhookParamsSchema },
  responses: {
    200: json(z.object({ id: z.string(), deleted: z.literal(true) }), "The endpoint is gone"),
    ...problemResponses(400, 401, 403, 404),
  },
});

const rotateRouteDef = createRoute({
  method: "post",
  middleware: [routeGuard("admin")] as const,
  path: "/webhooks/{webhookId}/rotate-secret",
  summary: "Rotate a webhook endpoint's signing secret",
  description:
    "The new secret signs from now on; the previous one keeps signing beside it for " +
    "`graceSeconds` (default a day), so receivers see two signatures until they switch.",
  request: {
    params: webhookParamsSchema,
    body: { required: false, content: { "application/json": { schema: rotateSecretSchema } } },
  },
  responses: {
    200: json(webhookWithSecretSchema, "The endpoint, with its new secret (shown only here)"),
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

function iso(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}

export function toWebhookBody(row: EndpointRow, now = Date.now()): z.infer<typeof webhookSchema> {
  const graceLasts = row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    disabled: row.disabledAt !== null,
    createdBy: row.createdBy,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    previousSecretExpiresAt: graceLasts ? iso(row.previousSecretExpiresAt) : null,
  };
}

/** The URL as stored, or 400 `invalid_request` naming the rule it breaks. */
function acceptedUrl(c: Context<HonoEnv>, url: string): string {
  try {
    return checkWebhookUrl(url, c.get("settings").ENVIRONMENT);
  } catch (error) {
    if (!(error instanceof WebhookUrlError)) throw error;
    throw new ApiError("invalid_request", `url: ${error.message}`, {
      extensions: { reason: error.reason, issues: [{ field: "url", message: error.message }] },
    });
  }
}

export function registerWebhookRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(createRouteDef, async (c) => {
    const principal = c.get("principal");
    const input = c.req.valid("json");
    const url = acceptedUrl(c, input.url);

    const db = database(c.env.DB);
    const { row, secret } = await createEndpoint(
      c.env,
      db,
      principal.tenantId,
      { url, description: input.description || null, eventTypes: input.eventTypes },
      auditOrigin(c),
    );

    c.get("logger").info("webhook created", { webhookId: row.id, eventTypes: row.eventTypes });
    return c.json({ ...toWebhookBody(row), secret }, 201);
  });

  api.openapi(listRouteDef, async (c) => {
    const rows = await listEndpoints(database(c.env.DB), c.get("principal").tenantId);
    return c.json({ webhooks: rows.map((row) => toWebhookBody(row)) }, 200);
  });

  api.openapi(getRouteDef, async (c) => {
    const { webhookId } = c.req.valid("param");
    const db = database(c.env.DB);
    const row = await requireEndpoint(db, c.get("principal").tenantId, webhookId);
    return c.json(toWebhookBody(row), 200);
  });

  api.openapi(updateRouteDef, async (c) => {
    const { webhookId } = c.req.valid("param");
    const input = c.req.valid("json");

    const db = database(c.env.DB);
    const row = await requireEndpoint(db, c.get("principal").tenantId, webhookId);
    const changes = {
      ...input,
      url: input.url === undefined ? undefined : acceptedUrl(c, input.url),
      description: input.description === "" ? null : input.description,
    };
    const updated = await updateEndpoint(db, row, changes, auditOrigin(c));

    c.get("logger").info("webhook updated", { webhookId });
    return c.json(toWebhookBody(updated), 200);
  });

  api.openapi(deleteRouteDef, async (c) => {
    const { webhookId } = c.req.valid("param");

    const db = database(c.env.DB);
    const row = await requireEndpoint(db, c.get("principal").tenantId, webhookId);
    await deleteEndpoint(db, row, auditOrigin(c));

    c.get("logger").info("webhook deleted", { webhookId });
    return c.json({ id: webhookId, deleted: true as const }, 200);
  });

  api.openapi(rotateRouteDef, async (c) => {
    const { webhookId } = c.req.valid("param");
    // The body is optional; without one the default grace applies.
    const { graceSeconds } = rotateSecretSchema.parse(c.req.valid("json") ?? {});

    const db = database(c.env.DB);
    const row = await requireEndpoint(db, c.get("principal").tenantId, webhookId);
    const rotated = await rotateSecret(c.env, db, row, graceSeconds, auditOrigin(c));

    c.get("logger").info("webhook secret rotated", { webhookId, graceSeconds });
    return c.json({ ...toWebhookBody(rotated.row), secret: rotated.secret }, 200);
  });

  registerWebhookDeliveryRoutes(api);
}
