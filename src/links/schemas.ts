/** Request and response schemas of the links API. */
import { z } from "@hono/zod-openapi";
import { bundleIdSchema } from "../bundles/schemas.ts";
import { idPattern } from "../ids.ts";
import { versionIdSchema } from "../objects/schemas.ts";
import { constraintsSchema } from "./constraints.ts";

/** Subject ids come from the tenant's identity provider; kept plain so they are safe anywhere. */
export const SUBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._@:|+-]{0,127}$/;

import { classSchema } from "../policy/classes.ts";

export const linkIdSchema = z
  .string()
  .regex(idPattern("link"), "Not a link id.")
  .openapi({ example: "lnk_Zr4yH2oJ8nQe1xWb6tPa0g" });

export const issueLinkSchema = z
  .object({
    versionId: versionIdSchema.optional().openapi({
      description: "The version to deliver. Give exactly one of versionId and bundleId.",
    }),
    bundleId: bundleIdSchema.optional().openapi({
      description: "The bundle to deliver as one ZIP. Give exactly one of versionId and bundleId.",
    }),
    ttlSeconds: z
      .number()
      .int()
      .min(60, "A link lasts at least 60 seconds.")
      .optional()
      .openapi({ description: "Time to live; defaults to the class default." }),
    maxUses: z.number().int().min(1).optional().openapi({
      description: "Downloads allowed; 1 makes a one-time link. Class default if absent.",
    }),
    recipientEmail: z.email().max(254).optional().openapi({
      description: "Binds the link to one recipient, who must prove this identity to download.",
    }),
    recipientSubjectId: z.string().regex(SUBJECT_ID, "Not a subject id.").optional().openapi({
      description: "Binds the link to one subject (a recipient known to the tenant).",
    }),
    recipientGroup: z.string().min(1).max(128).optional().openapi({
      description: "Binds the link to members of a group (a subject role).",
    }),
    constraints: constraintsSchema.optional(),
  })
  .strict()
  .refine((body) => (body.versionId === undefined) !== (body.bundleId === undefined), {
    message: "Give exactly one of versionId and bundleId.",
  })
  .openapi("IssueLink");

export const revokeLinkSchema = z
  .object({ reason: z.string().min(1).max(200).optional() })
  .strict()
  .openapi("RevokeLink");

export const approvalNoteSchema = z
  .object({ note: z.string().min(1).max(500).optional() })
  .strict()
  .openapi("ApprovalNote");

export const linkSchema = z
  .object({
    id: linkIdSchema,
    url: z.url().optional().openapi({ description: "Only in the answer to issuing the link." }),
    versionId: versionIdSchema.nullable().openapi({ description: "Null for a bundle link." }),
    bundleId: bundleIdSchema.nullable().openapi({ description: "Null for a version link." }),
    class: classSchema,
    status: z.enum(["active", "pending_approval", "rejected", "expired", "revoked", "used_up"]),
    usesSpent: z.number().int(),
    maxUses: z.number().int(),
    usesLeft: z.number().int(),
    expiresAt: z.iso.datetime(),
    issuedAt: z.iso.datetime(),
    issuedBy: z.string(),
    recipientEmail: z.string().nullable(),
    recipientSubjectId: z.string().nullable(),
    recipientGroup: z.string().nullable(),
    approval: z.object({
      status: z.enum(["not_required", "pending", "approved", "rejected"]),
      decidedBy: z.string().nullable(),
      decidedAt: z.iso.datetime().nullable(),
      expiresAt: z.iso.datetime().nullable(),
    }),
    revokedAt: z.iso.datetime().nullable(),
  })
  .openapi("Link");

export type LinkBody = z.infer<typeof linkSchema>;
