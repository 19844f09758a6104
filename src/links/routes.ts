/** /v1/links: issue a link to a version or a bundle, read a link's live state, revoke it. */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditOrigin } from "../audit/origin.ts";
import { bundleTarget, requireBundle } from "../bundles/records.ts";
import { type Database, database } from "../db/client.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { ApiError } from "../http/problems.ts";
import { publicOrigin } from "../http/request-context.ts";
import { routeGuard } from "../http/route-guard.ts";
import { requireVersion } from "../objects/records.ts";
import { signLinkToken } from "../tokens/tokens.ts";
import { linkGuard } from "./guard-client.ts";
import {
  issueLink,
  type LinkTarget,
  requireLinkRow,
  toLinkBody,
  versionTarget,
} from "./records.ts";
import {
  approvalNoteSchema,
  issueLinkSchema,
  linkIdSchema,
  linkSchema,
  revokeLinkSchema,
} from "./schemas.ts";

const linkResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: linkSchema } },
});

const issueRoute = createRoute({
  method: "post",
  middleware: [routeGuard("issue")] as const,
  path: "/links",
  summary: "Issue a download link to a version or a bundle",
  description:
    "Class defaults apply to what is left out; asking beyond a class maximum is refused. " +
    "A bundle's link follows the policy of the bundle's class and downloads as one ZIP.",
  request: {
    body: { required: true, content: { "application/json": { schema: issueLinkSchema } } },
  },
  responses: {
    201: linkResponse("The new link, with its URL (shown only here)"),
    ...problemResponses(400, 401, 403, 404, 410, 422),
  },
});

const getRoute = createRoute({
  method: "get",
  middleware: [routeGuard("issue")] as const,
  path: "/links/{linkId}",
  summary: "Read a link's live state",
  request: { params: z.object({ linkId: linkIdSchema }) },
  responses: { 200: linkResponse("The link"), ...problemResponses(400, 401, 403, 404) },
});

const revokeRoute = createRoute({
  method: "post",
  middleware: [routeGuard("revoke")] as const,
  path: "/links/{linkId}/revoke",
  summary: "Revoke a link at once, ending its open download sessions",
  request: {
    params: z.object({ linkId: linkIdSchema }),
    body: { required: false, content: { "application/json": { schema: revokeLinkSchema } } },
  },
  responses: { 200: linkResponse("The revoked link"), ...problemResponses(400, 401, 403, 404) },
});

const decisionRoute = (decision: "approve" | "reject") =>
  createRoute({
    method: "post",
    middleware: [routeGuard("approve")] as const,
    path: `/links/{linkId}/${decision}`,
    summary:
      decision === "approve"
        ? "Approve a link waiting for approval (never by its issuer)"
        : "Reject a link waiting for approval (never by its issuer)",
    request: {
      params: z.object({ linkId: linkIdSchema }),
      body: { required: false, content: { "application/json": { schema: approvalNoteSchema } } },
    },
    responses: {
      200: linkResponse(decision === "approve" ? "The approved link" : "The rejected link"),
      ...problemResponses(400, 401, 403, 404, 409),
    },
  });

/** The version or bundle a link request names, of the caller's tenant (else the same 404). */
async function targetOf(
  db: Database,
  tenantId: string,
  body: { versionId?: string | undefined; bundleId?: string | undefined },
): Promise<LinkTarget> {
  if (body.bundleId !== undefined) {
    return bundleTarget(await requireBundle(db, tenantId, body.bundleId));
  }
  if (body.versionId !== undefined) {
    return versionTarget(await requireVersion(db, tenantId, body.versionId));
  }
  throw new ApiError("invalid_request", "Give exactly one of versionId and bundleId.");
}

function approvalRefusal(
  reason: "not_pending" | "approval_expired" | "issuer_cannot_approve",
  linkStatus: string,
) {
  switch (reason) {
    case "issuer_cannot_approve":
      return new ApiError("issuer_cannot_approve", "Another person must decide on this link.");
    case "approval_expired":
      return new ApiError("approval_expired", "The approval window of this link has closed.");
    case "not_pending":
      return new ApiError("approval_not_pending", "This link is not waiting for approval.", {
        extensions: { linkStatus },
      });
  }
}

export function registerLinkRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(issueRoute, async (c) => {
    const principal = c.get("principal");
    const body = c.req.valid("json");
    const db = database(c.env.DB);

    const target = await targetOf(db, principal.tenantId, body);
    const { row, state } = await issueLink(c.env, db, target, body, auditOrigin(c));

    const token = await signLinkToken(c.get("settings").LINK_SIGNING_KEYS, {
      linkId: row.id,
      expiresAt: row.expiresAt,
    });
    c.get("logger").info("link issued", {
      linkId: row.id,
      versionId: row.versionId,
      bundleId: row.bundleId,
    });
    return c.json(toLinkBody(row, state, `${publicOrigin(c)}/d/${token}`), 201);
  });

  api.openapi(getRoute, async (c) => {
    const principal = c.get("principal");
    const { linkId } = c.req.valid("param");

    const row = await requireLinkRow(database(c.env.DB), principal.tenantId, linkId);
    const state = await linkGuard(c.env, linkId).state();
    if (!state) throw new ApiError("not_found", "No such link.");
    return c.json(toLinkBody(row, state), 200);
  });

  api.openapi(revokeRoute, async (c) => {
    const principal = c.get("principal");
    const { linkId } = c.req.valid("param");
    const note = c.req.valid("json")?.reason;

    const row = await requireLinkRow(database(c.env.DB), principal.tenantId, linkId);
    const state = await linkGuard(c.env, linkId).revoke(auditOrigin(c), "revoked_by_issuer", note);
    if (!state) throw new ApiError("not_found", "No such link.");
    c.get("logger").info("link revoked", { linkId });
    return c.json(toLinkBody(row, state), 200);
  });

  for (const decision of ["approve", "reject"] as const) {
    api.openapi(decisionRoute(decision), async (c) => {
      const principal = c.get("principal");
      const { linkId } = c.req.valid("param");
      const note = c.req.valid("json")?.note;

      const row = await requireLinkRow(database(c.env.DB), principal.tenantId, linkId);
      const result = await linkGuard(c.env, linkId).decideApproval(decision, auditOrigin(c), note);
      if (!result) throw new ApiError("not_found", "No such link.");
      if (!result.decided) throw approvalRefusal(result.reason, result.state.status);
      c.get("logger").info(`link ${decision}d`, { linkId });
      return c.json(toLinkBody(row, result.state), 200);
    });
  }
}
