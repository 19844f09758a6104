/**
 * The audit chain's own routes, with the `audit:read` scope:
 *
 * - `GET /v1/audit/head`: the chain's current head (after sealing whatever was waiting), the
 *   anchor it starts from once retention pruned older events, and how many events still wait;
 * - `GET /v1/audit/export`: a stretch of the chain streamed as NDJSON or CSV (src/audit/export.ts).
 *
 * Compliance teams keep heads they fetched: a later export whose events do not lead to the same
 * hash at the same position was rewritten.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { auditChainAnchors } from "../db/schema.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { queryParameters, queryTime, queryTimeMs } from "../http/query.ts";
import { routeGuard } from "../http/route-guard.ts";
import { idPattern } from "../ids.ts";
import { auditActionSchema, auditOutcomeSchema } from "./events.ts";
import { exportStream, isFiltered, resolveSeqRange } from "./export.ts";
import { auditLedger } from "./ledger-client.ts";
import { countWaitingEvents } from "./sealing.ts";

const hashSchema = z.string().regex(/^[0-9a-f]{64}$/);

const headSchema = z
  .object({
    head: z
      .object({ seq: z.number().int(), hash: hashSchema, sealedAt: z.iso.datetime() })
      .nullable()
      .openapi({ description: "The last sealed event; null while the chain is empty." }),
    anchor: z
      .object({ seq: z.number().int(), hash: hashSchema, prunedAt: z.iso.datetime() })
      .nullable()
      .openapi({ description: "The last event removed by audit retention, if any." }),
    waiting: z.number().int().openapi({ description: "Events recorded but not yet sealed." }),
  })
  .openapi("AuditChainHead");

const headRoute = createRoute({
  method: "get",
  middleware: [routeGuard("audit:read")] as const,
  path: "/audit/head",
  summary: "The current head of the tenant's audit hash chain",
  responses: {
    200: { description: "The head", content: { "application/json": { schema: headSchema } } },
    ...problemResponses(401, 403),
  },
});

const exportQuerySchema = queryParameters({
  format: z.enum(["ndjson", "csv"]).default("ndjson"),
  since: queryTime("First sealing time included (inclusive)"),
  until: queryTime("Sealing time the export stops before (exclusive)"),
  linkId: z.string().regex(idPattern("link"), "Not a link id.").optional(),
  versionId: z.string().regex(idPattern("version"), "Not a version id.").optional(),
  action: auditActionSchema.optional(),
  outcome: auditOutcomeSchema.optional(),
}).refine(
  // Only two valid times are compared: times refused already need no third message.
  (query) => !query.since || !query.until || queryTimeMs(query.since) < queryTimeMs(query.until),
  {
    message: "`since` must come before `until`.",
    path: ["until"],
    when: (payload) => payload.issues.length === 0,
  },
);

const exportRoute = createRoute({
  method: "get",
  middleware: [routeGuard("audit:read", { takesQuery: true })] as const,
  path: "/audit/export",
  summary: "Stream the audit chain as NDJSON or CSV, oldest first",
  description:
    "Events sealed in the time range, in chain order. Without link, version, action or outcome " +
    "filters the export is a contiguous stretch of the chain, which `portcullis audit verify` " +
    "checks.",
  request: { query: exportQuerySchema },
  responses: {
    200: {
      description: "The events, one per line",
      content: {
        "application/x-ndjson": { schema: z.string() },
        "text/csv": { schema: z.string() },
      },
    },
    ...problemResponses(400, 401, 403),
  },
});

export function registerChainRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(headRoute, async (c) => {
    const tenantId = c.get("principal").tenantId;
    const db = database(c.env.DB);

    const head = await auditLedger(c.env, tenantId).head(tenantId);
    const anchor = await db
      .select()
      .from(auditChainAnchors)
      .where(eq(auditChainAnchors.tenantId, tenantId))
      .get();
    const waiting = await countWaitingEvents(db, tenantId);

    const iso = (ms: number) => new Date(ms).toISOString();
    return c.json(
      {
        head:
          head && head.seq > (anchor?.seq ?? 0) ? { ...head, sealedAt: iso(head.sealedAt) } : null,
        anchor: anchor
          ? { seq: anchor.seq, hash: anchor.hash, prunedAt: iso(anchor.prunedAt) }
          : null,
        waiting,
      },
      200,
    );
  });

  api.openapi(exportRoute, async (c) => {
    const tenantId = c.get("principal").tenantId;
    const query = c.req.valid("query");
    const db = database(c.env.DB);
    const filter = {
      since: query.since === undefined ? undefined : queryTimeMs(query.since),
      until: query.until === undefined ? undefined : queryTimeMs(query.until),
      linkId: query.linkId,
      versionId: query.versionId,
      action: query.action,
      outcome: query.outcome,
    };

    // Sealing first puts every event recorded so far into the export.
    const head = await auditLedger(c.env, tenantId).head(tenantId);
    const range = head ? await resolveSeqRange(db, tenantId, filter, head.seq) : null;

    const stamp = new Date()
      .toISOString()
      .replaceAll(":", "")
      .replace(/\.\d+Z$/, "Z");
    const extension = query.format === "csv" ? "csv" : "ndjson";
    c.header(
      "Content-Type",
      query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
    );
    c.header("Content-Disposition", `attachment; filename="audit-${stamp}.${extension}"`);
    c.header("Portcullis-Chain", isFiltered(filter) ? "filtered" : "contiguous");
    if (range) c.header("Portcullis-Chain-Range", `${range.first}-${range.last}`);
    return c.body(exportStream(db, tenantId, filter, range, query.format), 200);
  });
}
