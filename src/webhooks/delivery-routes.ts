/**
 * /v1/webhooks/{webhookId}/deliveries and /replay (scope `admin`): the attempt record of an
 * endpoint, newest first in keyset pages, and sending one sealed event to an endpoint again. A
 * replay carries the event's own id as webhook-id, so a receiver that has it already can tell; it
 * is audited as `webhook.replayed` through the tenant's ledger, since it changes no D1 row.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, isNotNull } from "drizzle-orm";
import { buildAuditEvent, sealedAuditEventSchema } from "../audit/events.ts";
import { submitAuditEvents } from "../audit/ledger-client.ts";
import { auditOrigin } from "../audit/origin.ts";
import { database } from "../db/client.ts";
import { auditEvents } from "../db/schema.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { ApiError } from "../http/problems.ts";
import { routeGuard } from "../http/route-guard.ts";
import { timeCursor } from "../http/time-cursor.ts";
import { type DeliveryRow, type DeliveryStatus, listAttempts } from "./attempts.ts";
import { matchesEventType } from "./event-types.ts";
import { deliveryMessage } from "./messages.ts";
import {
  deliveriesQuerySchema,
  deliveryPageSchema,
  replayAnswerSchema,
  replaySchema,
  webhookParamsSchema,
} from "./schemas.ts";
import { requireEndpoint } from "./store.ts";

const deliveriesRouteDef = createRoute({
  method: "get",
  middleware: [routeGuard("admin", { takesQuery: true })] as const,
  path: "/webhooks/{webhookId}/deliveries",
  summary: "List an endpoint's delivery attempts, newest first",
  description:
    "One row per attempt: its number, status (`delivered`, `failed` and retried, " +
    "`dead_lettered`, or `dropped` when the endpoint was disabled or deleted before it ran), " +
    "the receiver's status code, latency and error, and whether it was a replay.",
  request: { params: webhookParamsSchema, query: deliveriesQuerySchema },
  responses: {
    200: {
      description: "A page of attempts; pass `nextCursor` as `cursor` for the next",
      content: { "application/json": { schema: deliveryPageSchema } },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

const replayRouteDef = createRoute({
  method: "post",
  middleware: [routeGuard("admin")] as const,
  path: "/webhooks/{webhookId}/replay",
  summary: "Send one event to an endpoint again",
  description:
    "Queues the tenant's sealed event `eventId` for the endpoint, whatever its event types. " +
    "The request carries the same webhook-id as the original.",
  request: {
    params: webhookParamsSchema,
    body: { required: true, content: { "application/json": { schema: replaySchema } } },
  },
  responses: {
    202: {
      description: "The replay is queued",
      content: { "application/json": { schema: replayAnswerSchema } },
    },
    ...problemResponses(400, 401, 403, 404, 422, 503),
  },
});

const cursors = timeCursor("webhook-deliveries");

function toDeliveryBody(row: DeliveryRow) {
  return {
    id: row.id,
    eventId: row.eventId,
    attempt: row.attempt,
    status: row.status as DeliveryStatus,
    responseStatus: row.responseStatus,
    latencyMs: row.latencyMs,
    error: row.error,
    replay: row.replay,
    attemptedAt: new Date(row.attemptedAt).toISOString(),
  };
}

export function registerWebhookDeliveryRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(deliveriesRouteDef, async (c) => {
    const { webhookId } = c.req.valid("param");
    const query = c.req.valid("query");
    const tenantId = c.get("principal").tenantId;

    const db = database(c.env.DB);
    await requireEndpoint(db, tenantId, webhookId);
    const after = query.cursor === undefined ? undefined : cursors.decode(query.cursor);
    const rows = await listAttempts(db, tenantId, webhookId, { limit: query.limit, after });

    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > query.limit && last ? cursors.encode(last.attemptedAt, last.id) : null;
    return c.json({ deliveries: page.map(toDeliveryBody), nextCursor }, 200);
  });

  api.openapi(replayRouteDef, async (c) => {
    const { webhookId } = c.req.valid("param");
    const { eventId } = c.req.valid("json");
    const tenantId = c.get("principal").tenantId;

    const db = database(c.env.DB);
    const endpoint = await requireEndpoint(db, tenantId, webhookId);
    if (endpoint.disabledAt !== null) {
      throw new ApiError("invalid_request", "The endpoint is disabled; enable it to replay.");
    }
    // Only sealed events: those are the ones webhooks ever carry, with their chain position.
    const row = await db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.tenantId, tenantId),
          eq(auditEvents.id, eventId),
          isNotNull(auditEvents.seq),
        ),
      )
      .get();
    const event = sealedAuditEventSchema.safeParse(row);
    if (!event.success) throw new ApiError("not_found", "No such sealed event in your tenant.");
    // A replay sends again what the endpoint may receive, never a type it did not ask for.
    if (!matchesEventType(endpoint.eventTypes, event.data.action)) {
      throw new ApiError(
        "event_not_subscribed",
        `The endpoint's event types (${endpoint.eventTypes.join(", ")}) do not include ` +
          `${event.data.action}.`,
        { extensions: { action: event.data.action, eventTypes: endpoint.eventTypes } },
      );
    }

    let queued = true;
    try {
      await c.env.WEBHOOKS.sendBatch([
        deliveryMessage(webhookId, { ...event.data, tenantId }, true),
      ]);
    } catch (error) {
      queued = false;
      c.get("logger").error("webhook replay not queued", { webhookId, eventId, error: `${error}` });
    }
    const audit = buildAuditEvent(
      {
        tenantId,
        action: "webhook.replayed",
        outcome: queued ? "succeeded" : "failed",
        reason: queued ? null : "queue_unavailable",
        detail: { webhookId, eventId, replayedAction: event.data.action },
      },
      auditOrigin(c),
    );
    await submitAuditEvents(c.env, tenantId, [audit]);
    if (!queued) throw new ApiError("storage_unavailable", "The replay could not be queued.");

    c.get("logger").info("webhook replay queued", { webhookId, eventId });
    return c.json({ webhookId, eventId, replay: true as const }, 202);
  });
}
