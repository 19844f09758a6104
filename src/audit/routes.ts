/**
 * /v1/audit: the tenant's audit log, filtered by link, version, action, outcome and time, newest
 * first. Pages are keyed by an opaque cursor (the last row's time and id), so a page never skips
 * or repeats rows while new events arrive.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import { database } from "../db/client.ts";
import { auditEvents } from "../db/schema.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { queryInteger, queryParameters, queryTime, queryTimeMs } from "../http/query.ts";
import { routeGuard } from "../http/route-guard.ts";
import { timeCursor } from "../http/time-cursor.ts";
import { idPattern } from "../ids.ts";
import { registerChainRoutes } from "./chain-routes.ts";
import { auditActionSchema, auditEventSchema, auditOutcomeSchema } from "./events.ts";

const querySchema = queryParameters({
  linkId: z.string().regex(idPattern("link"), "Not a link id.").optional(),
  versionId: z.string().regex(idPattern("version"), "Not a version id.").optional(),
  action: auditActionSchema.optional(),
  outcome: auditOutcomeSchema.optional(),
  seq: queryInteger(1, Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ description: "Only the event at this position of the chain" }),
  from: queryTime("Inclusive start"),
  to: queryTime("Exclusive end"),
  limit: queryInteger(1, 500).default(50),
  cursor: z.string().max(200).optional(),
})
  // An empty range is a mistake worth naming, as the export does, not a quiet empty page.
  // Only two valid times are compared: `from` and `to` refused already need no third message.
  .refine((query) => !query.from || !query.to || queryTimeMs(query.from) < queryTimeMs(query.to), {
    message: "`from` must come before `to`.",
    path: ["to"],
    when: (payload) => payload.issues.length === 0,
  });

/**
 * The stored event, as the API shows it: the same fields with ISO 8601 times, and its place in
 * the tenant's hash chain (null for the seconds before the ledger sealed it).
 */
const eventSchema = auditEventSchema
  .extend({
    occurredAt: z.iso.datetime(),
    seq: z.number().int().nullable(),
    prevHash: z.string().nullable(),
    hash: z.string().nullable(),
    sealedAt: z.iso.datetime().nullable(),
  })
  .openapi("AuditEvent");

const route = createRoute({
  method: "get",
  middleware: [routeGuard("audit:read", { takesQuery: true })] as const,
  path: "/audit",
  summary: "Query the audit log, newest first",
  request: { query: querySchema },
  responses: {
    200: {
      description: "A page of events",
      content: {
        "application/json": {
          schema: z.object({ events: z.array(eventSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...problemResponses(400, 401, 403),
  },
});

const cursors = timeCursor("audit");

export function registerAuditRoutes(api: OpenAPIHono<HonoEnv>): void {
  // The chain routes first: `/audit/head` and `/audit/export` are more specific than `/audit`.
  registerChainRoutes(api);

  api.openapi(route, async (c) => {
    const principal = c.get("principal");
    const query = c.req.valid("query");

    const conditions: (SQL | undefined)[] = [eq(auditEvents.tenantId, principal.tenantId)];
    if (query.linkId) conditions.push(eq(auditEvents.linkId, query.linkId));
    if (query.versionId) conditions.push(eq(auditEvents.versionId, query.versionId));
    if (query.action) conditions.push(eq(auditEvents.action, query.action));
    if (query.outcome) conditions.push(eq(auditEvents.outcome, query.outcome));
    if (query.seq) conditions.push(eq(auditEvents.seq, query.seq));
    if (query.from) conditions.push(gte(auditEvents.occurredAt, queryTimeMs(query.from)));
    if (query.to) conditions.push(lt(auditEvents.occurredAt, queryTimeMs(query.to)));
    if (query.cursor) {
      const [occurredAt, id] = cursors.decode(query.cursor);
      // A row-value comparison, not `a < x OR (a = x AND b < y)`: SQLite turns it into a range
      // on the index, so a deep page starts at its cursor instead of walking every newer row.
      conditions.push(sql`(${auditEvents.occurredAt}, ${auditEvents.id}) < (${occurredAt}, ${id})`);
    }

    // One row more than asked tells whether another page exists.
    const rows = await database(c.env.DB)
      .select()
      .from(auditEvents)
      .where(and(...conditions))
      .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
      .limit(query.limit + 1)
      .all();

    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > query.limit && last ? cursors.encode(last.occurredAt, last.id) : null;
    const events = page.map((row) => ({
      ...row,
      occurredAt: new Date(row.occurredAt).toISOString(),
      sealedAt: row.sealedAt === null ? null : new Date(row.sealedAt).toISOString(),
    }));
    return c.json({ events, nextCursor }, 200);
  });
}
