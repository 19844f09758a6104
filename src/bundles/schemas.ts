/** Request and response schemas of the bundles API. */
import { z } from "@hono/zod-openapi";
import { idPattern } from "../ids.ts";
import { versionIdSchema } from "../objects/schemas.ts";
import { classSchema } from "../policy/classes.ts";

/** How many versions one bundle may hold. */
export const MAX_BUNDLE_MEMBERS = 100;

export const bundleIdSchema = z
  .string()
  .regex(idPattern("bundle"), "Not a bundle id.")
  .openapi({ example: "bdl_q3W0dVx7TqK2mYc1bN8sLg" });

/** The name recipients download the ZIP as (`<name>.zip`), so it must be a plain file name. */
const bundleNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}\p{Cf}/\\]+$/u, "No path separators, control or invisible format characters.")
  .refine((name) => name.trim() !== "" && !/^\.+$/.test(name), "Not a usable file name.")
  .openapi({
    description: "The ZIP downloads as `<name>.zip`.",
    example: "ward-4-readmission-pack",
  });

export const createBundleSchema = z
  .object({
    name: bundleNameSchema,
    versionIds: z
      .array(versionIdSchema)
      .min(1, "A bundle holds at least one version.")
      .max(MAX_BUNDLE_MEMBERS, `A bundle holds at most ${MAX_BUNDLE_MEMBERS} versions.`)
      .superRefine((ids, context) => {
        const seen = new Set<string>();
        for (const [index, id] of ids.entries()) {
          if (seen.has(id)) {
            context.addIssue({
              code: "custom",
              path: [index],
              message: `Version ${id} is listed more than once.`,
            });
            return;
          }
          seen.add(id);
        }
      })
      .openapi({ description: "The members, in ZIP order; each at most once." }),
  })
  .strict()
  .openapi("CreateBundle");

const bundleMemberSchema = z.object({
  versionId: versionIdSchema,
  filename: z.string().openapi({
    description: "The entry's name in the ZIP: the version's file name, numbered if it clashes.",
  }),
  size: z.number().int(),
  sha256: z.string(),
});

export const bundleSchema = z
  .object({
    bundleId: bundleIdSchema,
    name: z.string(),
    class: classSchema.openapi({ description: "The most sensitive class among the members." }),
    size: z.number().int().openapi({ description: "The ZIP's exact length in bytes." }),
    members: z.array(bundleMemberSchema),
    manifest: z.string().openapi({
      description: "`MANIFEST.sha256`, the ZIP's first entry: `<sha256>  <filename>` per member.",
    }),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
  })
  .openapi("Bundle");

export type BundleBody = z.infer<typeof bundleSchema>;
