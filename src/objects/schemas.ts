/** Request and response schemas of the objects and versions API. */
import { z } from "@hono/zod-openapi";
import { idPattern } from "../ids.ts";
import { classSchema } from "../policy/classes.ts";

export const objectNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "Use 1-128 letters, digits, '.', '_' or '-'.")
  .openapi({ example: "readmission-risk-ward-4" });

export const versionIdSchema = z
  .string()
  .regex(idPattern("version"), "Not a version id.")
  .openapi({ example: "ver_1P9xQm0sTq2dV7cYb3kLwA" });

/** A file name a recipient can save as-is: no path separators and no control characters. */
function isPlainFilename(name: string): boolean {
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || char === "/" || char === "\\") return false;
  }
  return true;
}

const labelSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}=.{0,256}$/s, "Labels are key=value, key of letters, digits, ._-");

export const publishQuerySchema = z.object({
  class: classSchema.optional().openapi({
    description: "Sensitivity class; required when the object is new, else must match it.",
  }),
  filename: z
    .string()
    .min(1)
    .max(255)
    .refine(isPlainFilename, "No path separators or control characters.")
    .optional()
    .openapi({ description: "File name recipients see; defaults to the object name." }),
  modelVersion: z.string().max(128).optional(),
  trainingWindow: z.string().max(128).optional().openapi({ example: "2023-01-01/2023-12-31" }),
  recipientGroup: z.string().max(128).optional().openapi({ example: "cardiology-analytics" }),
  label: z
    .union([labelSchema, z.array(labelSchema).max(32)])
    .optional()
    .openapi({ description: "Free labels as key=value; repeat the parameter for several." }),
});

export const versionSchema = z
  .object({
    versionId: versionIdSchema,
    objectName: objectNameSchema,
    class: classSchema,
    number: z.number().int().openapi({ description: "1 for the first version, then 2, 3…" }),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z
      .string()
      .openapi({ example: "912744b8ba86c89ab44f383ff4d1216e7b83fa0eb82515500243df4d43726e23" }),
    modelVersion: z.string().nullable(),
    trainingWindow: z.string().nullable(),
    recipientGroup: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    publishedBy: z.string(),
    publishedAt: z.iso.datetime(),
    retainUntil: z.iso.datetime().nullable(),
    purged: z.boolean(),
  })
  .openapi("Version");

export type VersionBody = z.infer<typeof versionSchema>;
