/**
 * /v1/bundles: group versions into a bundle, delivered under one link as one ZIP, and read a
 * bundle back. Links to a bundle are issued by `POST /v1/links` with `{ bundleId }`.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditOrigin } from "../audit/origin.ts";
import { database } from "../db/client.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { routeGuard } from "../http/route-guard.ts";
import { createBundle, requireBundle, toBundleBody } from "./records.ts";
import { bundleIdSchema, bundleSchema, createBundleSchema } from "./schemas.ts";

const bundleResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: bundleSchema } },
});

const createBundleRoute = createRoute({
  method: "post",
  middleware: [routeGuard("publish")] as const,
  path: "/bundles",
  summary: "Group versions into a bundle, delivered as one ZIP",
  description:
    "The ZIP holds `MANIFEST.sha256` first, then the members in the order given, stored " +
    "uncompressed. The bundle's class is the most sensitive of its members' classes, and its " +
    "links follow that class's policy.",
  request: {
    body: { required: true, content: { "application/json": { schema: createBundleSchema } } },
  },
  responses: {
    201: bundleResponse("The new bundle"),
    ...problemResponses(400, 401, 403, 404, 410),
  },
});

const getBundleRoute = createRoute({
  method: "get",
  middleware: [routeGuard("publish")] as const,
  path: "/bundles/{bundleId}",
  summary: "Read a bundle: its members, entry names, manifest and ZIP length",
  request: { params: z.object({ bundleId: bundleIdSchema }) },
  responses: { 200: bundleResponse("The bundle"), ...problemResponses(400, 401, 403, 404) },
});

export function registerBundleRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(createBundleRoute, async (c) => {
    const principal = c.get("principal");
    const body = c.req.valid("json");

    const created = await createBundle(
      database(c.env.DB),
      principal.tenantId,
      body,
      auditOrigin(c),
    );

    c.get("logger").info("bundle created", {
      bundleId: created.bundle.id,
      members: created.members.length,
    });
    return c.json(toBundleBody(created), 201);
  });

  api.openapi(getBundleRoute, async (c) => {
    const principal = c.get("principal");
    const { bundleId } = c.req.valid("param");

    const found = await requireBundle(database(c.env.DB), principal.tenantId, bundleId);
    return c.json(toBundleBody(found), 200);
  });
}
