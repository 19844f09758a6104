/**
 * /v1/revocations: revoke many links in one request — all links of a version, of an object (all
 * its versions), bound to a subject, or, in an emergency, every link of the tenant. The selector
 * forms need the `revoke` scope; the tenant-wide form needs `admin` and a typed confirmation.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditOrigin } from "../audit/origin.ts";
import { database } from "../db/client.ts";
import type { HonoEnv } from "../env.ts";
import { describeError } from "../http/logger.ts";
import { problemResponses } from "../http/openapi.ts";
import { ApiError } from "../http/problems.ts";
import { routeGuard } from "../http/route-guard.ts";
import { assertScope } from "../identity/api-keys.ts";
import { objectNameSchema, versionIdSchema } from "../objects/schemas.ts";
import { bulkRevoke, type RevocationRequest } from "./bulk-revocation.ts";
import { SUBJECT_ID } from "./schemas.ts";

/** What the caller types to revoke every link of the tenant, so it never happens by accident. */
export const EMERGENCY_PHRASE = "revoke all links";

const SELECTORS = ["versionId", "objectName", "subjectId", "everything"] as const;

const revocationSchema = z
  .object({
    versionId: versionIdSchema.optional().openapi({ description: "Every link to this version" }),
    objectName: objectNameSchema
      .optional()
      .openapi({ description: "Every link to any version of this object" }),
    subjectId: z
      .string()
      .regex(SUBJECT_ID, "Not a subject id.")
      .optional()
      .openapi({ description: "Every link bound to this subject" }),
    everything: z
      .literal(true, { error: "Only true." })
      .optional()
      .openapi({ description: "Every link of the tenant (needs `admin` and `confirm`)" }),
    confirm: z
      .string()
      .refine((text) => text === EMERGENCY_PHRASE, `Type exactly "${EMERGENCY_PHRASE}".`)
      .optional()
      .openapi({ description: `With \`everything\`: exactly "${EMERGENCY_PHRASE}"` }),
    note: z
      .string()
      .min(1)
      .max(200, "At most 200 characters.")
      .refine((text) => !/\p{Cc}/u.test(text), "No control characters.")
      .optional()
      .openapi({ description: "Why, in the caller's words; kept in every revocation's audit" }),
  })
  .strict()
  .superRefine((body, context) => {
    const given = SELECTORS.filter((name) => body[name] !== undefined);
    if (given.length !== 1) {
      context.addIssue({
        code: "custom",
        message: `Give exactly one of ${SELECTORS.join(", ")}.`,
      });
    }
    if (body.everything && body.confirm === undefined) {
      context.addIssue({
        code: "custom",
        path: ["confirm"],
        message: `Revoking every link needs confirm: "${EMERGENCY_PHRASE}".`,
      });
    }
    if (!body.everything && body.confirm !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["confirm"],
        message: "Only with everything.",
      });
    }
  })
  .openapi("BulkRevocation", {
    description:
      "Exactly one selector: `versionId`, `objectName`, `subjectId`, or `everything: true` " +
      `with \`confirm: "${EMERGENCY_PHRASE}"\`; plus an optional \`note\`.`,
  });

type RevocationBody = z.infer<typeof revocationSchema>;

const revocationResultSchema = z
  .object({
    linksRevoked: z.number().int().openapi({ description: "Live links this request revoked" }),
    alreadyInactive: z.number().int().openapi({
      description:
        "Selected links already revoked, expired, used up or rejected; left as they were",
    }),
  })
  .openapi("BulkRevocationResult");

const route = createRoute({
  method: "post",
  middleware: [routeGuard("revoke")] as const,
  path: "/revocations",
  summary: "Revoke every live link of a version, an object, a subject, or the whole tenant",
  description:
    "Each link is revoked through its own guard, as a single revocation would be, and audited " +
    "as `link.revoked`; the request adds one `links.bulk_revoked` summary. Repeating the " +
    "request revokes nothing more. An unknown version, object or subject is 404.",
  request: {
    body: { required: true, content: { "application/json": { schema: revocationSchema } } },
  },
  responses: {
    200: {
      description: "How many links were revoked now, and how many needed nothing",
      content: { "application/json": { schema: revocationResultSchema } },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

function toRequest(body: RevocationBody): RevocationRequest {
  const note = body.note;
  if (body.versionId !== undefined) return { versionId: body.versionId, note };
  if (body.objectName !== undefined) return { objectName: body.objectName, note };
  if (body.subjectId !== undefined) return { subjectId: body.subjectId, note };
  return { everything: true, note };
}

export function registerRevocationRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(route, async (c) => {
    const principal = c.get("principal");
    const request = toRequest(c.req.valid("json"));
    assertScope(principal, "everything" in request ? "admin" : "revoke");
    const logger = c.get("logger");

    const counts = await bulkRevoke(
      c.env,
      database(c.env.DB),
      principal.tenantId,
      request,
      auditOrigin(c),
      (linkId, error) =>
        logger.error("link revocation failed", { linkId, ...describeError(error) }),
    );

    logger.info("links revoked in bulk", { selector: Object.keys(request)[0], ...counts });
    if (counts.linksFailed > 0) {
      throw new ApiError(
        "internal_error",
        "Some links could not be revoked. Retry the request: links already revoked are skipped.",
        { extensions: { ...counts } },
      );
    }
    return c.json(
      { linksRevoked: counts.linksRevoked, alreadyInactive: counts.alreadyInactive },
      200,
    );
  });
}
