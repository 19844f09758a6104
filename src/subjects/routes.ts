/**
 * /v1/subjects: the tenant's recipients, with the `admin` scope. PUT creates or replaces one,
 * DELETE deactivates it (the row is kept); both revoke the live links the change invalidates
 * before answering, and say how many. The routes only translate HTTP to `service.ts`.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditOrigin } from "../audit/origin.ts";
import { database } from "../db/client.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { ApiError } from "../http/problems.ts";
import { routeGuard } from "../http/route-guard.ts";
import { SUBJECT_ID } from "../links/schemas.ts";
import {
  listSubjectsQuerySchema,
  type SubjectBody,
  subjectChangeSchema,
  subjectIdSchema,
  subjectInputSchema,
  subjectSchema,
} from "./schemas.ts";
import {
  deactivateSubject,
  listSubjects,
  requireSubject,
  type Subject,
  type SubjectScope,
  upsertSubject,
} from "./service.ts";

const params = z.object({ id: subjectIdSchema });

const changeResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: subjectChangeSchema } },
});

const putRoute = createRoute({
  method: "put",
  middleware: [routeGuard("admin")] as const,
  path: "/subjects/{id}",
  summary: "Create or replace a subject",
  description:
    "The subject is active afterwards. Every live link bound to it whose group is a role the " +
    "replacement drops is revoked (reason `subject_changed`) before the answer.",
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: subjectInputSchema } } },
  },
  responses: {
    200: changeResponse("The replaced subject, and how many links the change revoked"),
    201: changeResponse("The new subject"),
    ...problemResponses(400, 401, 403),
  },
});

const getRoute = createRoute({
  method: "get",
  middleware: [routeGuard("admin")] as const,
  path: "/subjects/{id}",
  summary: "Read a subject",
  request: { params },
  responses: {
    200: {
      description: "The subject",
      content: { "application/json": { schema: subjectSchema } },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

const listRoute = createRoute({
  method: "get",
  middleware: [routeGuard("admin", { takesQuery: true })] as const,
  path: "/subjects",
  summary: "List the tenant's subjects in id order, optionally by role or state",
  request: { query: listSubjectsQuerySchema },
  responses: {
    200: {
      description: "A page of subjects",
      content: {
        "application/json": {
          schema: z.object({ subjects: z.array(subjectSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...problemResponses(400, 401, 403),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  middleware: [routeGuard("admin", { body: "none" })] as const,
  path: "/subjects/{id}",
  summary: "Deactivate a subject, revoking every live link bound to it",
  description:
    "The subject is kept, inactive, so the audit can still name it. Deactivating an inactive " +
    "subject changes nothing but still revokes any bound link that is live.",
  request: { params },
  responses: {
    200: changeResponse("The deactivated subject, and how many links were revoked"),
    ...problemResponses(400, 401, 403, 404),
  },
});

function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

function toSubjectBody(subject: Subject): SubjectBody {
  return {
    ...subject,
    createdAt: new Date(subject.createdAt).toISOString(),
    updatedAt: new Date(subject.updatedAt).toISOString(),
    deactivatedAt: iso(subject.deactivatedAt),
  };
}

/** Cursors are the previous page's last id, opaque to callers. */
function encodeCursor(id: string): string {
  return btoa(id).replaceAll("=", "");
}

function decodeCursor(cursor: string): string {
  let id = "";
  try {
    id = atob(cursor);
  } catch {
    // Not base64: refused below like any other cursor this API did not return.
  }
  if (!SUBJECT_ID.test(id)) {
    throw new ApiError("invalid_request", "The cursor is not one this API returned.");
  }
  return id;
}

function subjectScope(c: Context<HonoEnv>): SubjectScope {
  return {
    env: c.env,
    db: database(c.env.DB),
    tenantId: c.get("principal").tenantId,
    origin: auditOrigin(c),
    logger: c.get("logger"),
  };
}

export function registerSubjectRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(putRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");

    const change = await upsertSubject(subjectScope(c), id, body);

    c.get("logger").info("subject saved", {
      created: change.created,
      linksRevoked: change.linksRevoked,
    });
    const answer = { subject: toSubjectBody(change.subject), linksRevoked: change.linksRevoked };
    return change.created ? c.json(answer, 201) : c.json(answer, 200);
  });

  api.openapi(getRoute, async (c) => {
    const principal = c.get("principal");
    const { id } = c.req.valid("param");

    const subject = await requireSubject(database(c.env.DB), principal.tenantId, id);
    return c.json(toSubjectBody(subject), 200);
  });

  api.openapi(listRoute, async (c) => {
    const principal = c.get("principal");
    const query = c.req.valid("query");

    const page = await listSubjects(database(c.env.DB), principal.tenantId, {
      role: query.role,
      active: query.active,
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: query.limit,
    });
    const nextCursor = page.next === null ? null : encodeCursor(page.next);
    return c.json({ subjects: page.subjects.map(toSubjectBody), nextCursor }, 200);
  });

  api.openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid("param");

    const change = await deactivateSubject(subjectScope(c), id);

    c.get("logger").info("subject deactivated", { linksRevoked: change.linksRevoked });
    return c.json(
      { subject: toSubjectBody(change.subject), linksRevoked: change.linksRevoked },
      200,
    );
  });
}
