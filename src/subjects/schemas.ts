/** Request and response schemas of the subjects API. */
import { z } from "@hono/zod-openapi";
import { queryInteger, queryParameters } from "../http/query.ts";
import { SUBJECT_ID } from "../links/schemas.ts";

const noControlCharacters = (text: string) => !/\p{Cc}/u.test(text);

export const subjectIdSchema = z.string().regex(SUBJECT_ID, "Not a subject id.").openapi({
  description: "The identity provider's id for the person (e.g. an OIDC `sub`).",
  example: "okta|00u1abc2def3",
});

/** A role is compared verbatim with a link's `recipientGroup`, so it is kept exactly as given. */
export const roleSchema = z
  .string()
  .min(1, "A role is at least one character.")
  .max(128, "At most 128 characters.")
  .refine(noControlCharacters, "No control characters.")
  .openapi({ example: "cardiology-analytics" });

const attributeNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, "Attribute names are letters, digits, '_', '.', '-'.");

export const subjectInputSchema = z
  .object({
    displayName: z
      .string()
      .trim()
      .min(1)
      .max(200, "At most 200 characters.")
      .refine(noControlCharacters, "No control characters.")
      .optional(),
    email: z.email().max(254).optional(),
    roles: z
      .array(roleSchema)
      .max(100, "At most 100 roles.")
      .refine((roles) => new Set(roles).size === roles.length, "Each role may be given once.")
      .openapi({ description: "Groups the subject belongs to; links bound to a group use them." }),
    attributes: z
      .record(attributeNameSchema, z.string().max(256, "At most 256 characters."))
      .refine((attributes) => Object.keys(attributes).length <= 50, "At most 50 attributes.")
      .openapi({ example: { facility: "st-anne", carePanel: "heart-failure" } }),
  })
  .strict()
  .openapi("SubjectInput");

export const subjectSchema = z
  .object({
    id: subjectIdSchema,
    displayName: z.string().nullable(),
    email: z.string().nullable(),
    roles: z.array(z.string()),
    attributes: z.record(z.string(), z.string()),
    active: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    deactivatedAt: z.iso.datetime().nullable(),
  })
  .openapi("Subject");

export const subjectChangeSchema = z
  .object({
    subject: subjectSchema,
    linksRevoked: z.number().int().openapi({
      description: "Live links bound to the subject that this change revoked before answering.",
    }),
  })
  .openapi("SubjectChange");

export const listSubjectsQuerySchema = queryParameters({
  role: roleSchema.optional().openapi({ description: "Only subjects holding this role" }),
  active: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional()
    .openapi({ description: "Only active (true) or deactivated (false) subjects" }),
  limit: queryInteger(1, 200).default(50),
  cursor: z.string().max(300).optional(),
});

export type SubjectBody = z.infer<typeof subjectSchema>;
export type SubjectInputBody = z.infer<typeof subjectInputSchema>;
