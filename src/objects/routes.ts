/**
 * /v1/objects: publish a new immutable version of an object, list an object's versions, and read
 * one version's metadata. Publishing streams the request body into R2.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditOrigin } from "../audit/origin.ts";
import { database } from "../db/client.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { ApiError } from "../http/problems.ts";
import { routeGuard } from "../http/route-guard.ts";
import { newId } from "../ids.ts";
import {
  insertVersion,
  listVersions,
  requireVersion,
  resolveObjectForPublish,
  toVersionBody,
} from "./records.ts";
import {
  isMediaType,
  labelKey,
  objectNameSchema,
  publishQuerySchema,
  versionIdSchema,
  versionSchema,
} from "./schemas.ts";
import { storageKeyFor, storeStream } from "./storage.ts";

const publishRoute = createRoute({
  method: "post",
  middleware: [
    routeGuard("publish", { body: "file", takesQuery: true, repeatable: ["label"] }),
  ] as const,
  path: "/objects/{name}/versions",
  summary: "Publish a new version of an object",
  description:
    "The request body is the file, streamed into storage with its sha256 computed on the way. " +
    "Content-Length is required. Publishing under an existing name adds a new immutable version.",
  request: {
    params: z.object({ name: objectNameSchema }),
    query: publishQuerySchema,
    body: {
      required: true,
      content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
    },
  },
  responses: {
    201: {
      description: "The new version",
      content: { "application/json": { schema: versionSchema } },
    },
    ...problemResponses(400, 401, 403, 409, 411, 413, 422, 503),
  },
});

const listRoute = createRoute({
  method: "get",
  middleware: [routeGuard("publish")] as const,
  path: "/objects/{name}/versions",
  summary: "List an object's versions, newest first",
  request: { params: z.object({ name: objectNameSchema }) },
  responses: {
    200: {
      description: "The versions",
      content: { "application/json": { schema: z.object({ versions: z.array(versionSchema) }) } },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

const getRoute = createRoute({
  method: "get",
  middleware: [routeGuard("publish")] as const,
  path: "/versions/{versionId}",
  summary: "Read one version's metadata",
  request: { params: z.object({ versionId: versionIdSchema }) },
  responses: {
    200: { description: "The version", content: { "application/json": { schema: versionSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

/** Labels as validated: each pair has a '=' and each key appears once. */
function parseLabels(raw: string | string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of raw === undefined ? [] : [raw].flat()) {
    const key = labelKey(pair);
    labels[key] = pair.slice(key.length + 1);
  }
  return labels;
}

/** The stored Content-Type: the request's, if it is a media type; none means octet-stream. */
function declaredContentType(header: string | undefined): string {
  if (header === undefined) return "application/octet-stream";
  if (isMediaType(header)) return header;
  const message =
    "Content-Type is not a media type (RFC 9110 §8.3.1): give type/subtype, e.g. text/csv, " +
    'optionally with parameters such as "; charset=utf-8".';
  throw new ApiError("invalid_request", message, {
    extensions: { issues: [{ field: "Content-Type", message }] },
  });
}

function declaredLength(header: string | undefined, limit: number): number {
  if (header === undefined) {
    throw new ApiError("length_required", "Send the file with a Content-Length header.");
  }
  const length = /^\d{1,16}$/.test(header) ? Number(header) : Number.NaN;
  if (!Number.isSafeInteger(length)) {
    throw new ApiError("invalid_request", "Content-Length is not a byte count.");
  }
  if (length > limit) {
    throw new ApiError("payload_too_large", `Files may be at most ${limit} bytes.`, {
      extensions: { limit },
    });
  }
  return length;
}

export function registerObjectRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(publishRoute, async (c) => {
    const principal = c.get("principal");
    const { name } = c.req.valid("param");
    const query = c.req.valid("query");
    const labels = parseLabels(query.label);
    const length = declaredLength(
      c.req.header("Content-Length"),
      c.get("settings").MAX_UPLOAD_BYTES,
    );
    const contentType = declaredContentType(c.req.header("Content-Type"));
    const db = database(c.env.DB);

    const target = await resolveObjectForPublish(db, principal.tenantId, name, query.class);

    const versionId = newId("version");
    const storageKey = storageKeyFor(principal.tenantId, versionId);
    const body = c.req.raw.body ?? new Blob([]).stream();
    const stored = await storeStream(c.env.FILES, storageKey, body, length, contentType);

    const created = await insertVersion(
      db,
      {
        tenantId: principal.tenantId,
        versionId,
        objectName: name,
        class: target.class,
        storageKey,
        filename: query.filename ?? name,
        contentType,
        size: stored.size,
        sha256: stored.sha256,
        modelVersion: query.modelVersion ?? null,
        trainingWindow: query.trainingWindow ?? null,
        recipientGroup: query.recipientGroup ?? null,
        labels,
      },
      auditOrigin(c),
    ).catch(async (error: unknown) => {
      // Without a record the bytes are unreachable; remove them rather than leak storage.
      await c.env.FILES.delete(storageKey).catch(() => undefined);
      throw error;
    });

    c.get("logger").info("version published", { versionId, size: stored.size });
    return c.json(toVersionBody(created), 201);
  });

  api.openapi(listRoute, async (c) => {
    const principal = c.get("principal");
    const { name } = c.req.valid("param");
    const versions = await listVersions(database(c.env.DB), principal.tenantId, name);
    return c.json({ versions }, 200);
  });

  api.openapi(getRoute, async (c) => {
    const principal = c.get("principal");
    const { versionId } = c.req.valid("param");
    const found = await requireVersion(database(c.env.DB), principal.tenantId, versionId);
    return c.json(toVersionBody(found), 200);
  });
}
