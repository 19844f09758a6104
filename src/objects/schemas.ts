/** Request and response schemas of the objects and versions API. */
import { z } from "@hono/zod-openapi";
import { queryParameters } from "../http/query.ts";
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

/** A file name a recipient can save as-is: no path separators, nothing invisible. */
function isPlainFilename(name: string): boolean {
  // Cc: control characters. Cf: invisible format characters, among them the bidirectional
  // overrides that make `invoice<U+202E>fdp.exe` read as "invoiceexe.pdf".
  return !/[\p{Cc}\p{Cf}/\\]/u.test(name);
}

// RFC 9110 §8.3.1 and §5.6: media-type = type "/" subtype parameters, where type and subtype
// are tokens and each parameter is `OWS ";" OWS [ name "=" ( token / quoted-string ) ]`.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text;
// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ).
const QDTEXT = String.raw`[\t \x21\x23-\x5B\x5D-\x7E\x80-\xFF]`;
const QUOTED_PAIR = String.raw`\\[\t \x21-\x7E\x80-\xFF]`;
const QUOTED_STRING = `"(?:${QDTEXT}|${QUOTED_PAIR})*"`;
const PARAMETER = String.raw`[\t ]*;[\t ]*(?:${TOKEN}=(?:${TOKEN}|${QUOTED_STRING}))?`;
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:${PARAMETER})*$`);

/** Whether a Content-Type value is a media type as RFC 9110 defines it, parameters included. */
export function isMediaType(value: string): boolean {
  return MEDIA_TYPE.test(value);
}

export const LABEL_LIMITS = { keyLength: 64, valueLength: 256, count: 32 } as const;

const LABEL_KEY = new RegExp(`^[A-Za-z0-9_.-]{1,${LABEL_LIMITS.keyLength}}$`);

/** A label's key: the text before its first '='. */
export function labelKey(pair: string): string {
  const separator = pair.indexOf("=");
  return separator < 0 ? pair : pair.slice(0, separator);
}

/** One `key=value` label; each way it can be wrong gets its own message, limit included. */
const labelSchema = z.string().superRefine((pair, ctx) => {
  const separator = pair.indexOf("=");
  if (separator < 0) {
    ctx.addIssue({ code: "custom", message: "Write a label as key=value." });
    return;
  }
  const key = pair.slice(0, separator);
  if (!LABEL_KEY.test(key)) {
    ctx.addIssue({
      code: "custom",
      message: `Label keys are 1-${LABEL_LIMITS.keyLength} letters, digits, '.', '_' or '-'.`,
    });
    return;
  }
  const valueLength = [...pair.slice(separator + 1)].length;
  if (valueLength > LABEL_LIMITS.valueLength) {
    ctx.addIssue({
      code: "custom",
      message:
        `The value of label "${key}" is ${valueLength} characters; ` +
        `at most ${LABEL_LIMITS.valueLength} are allowed.`,
    });
  }
});

/** The set of labels: bounded in number, and each key once, since a repeat would overwrite. */
function checkLabelSet(labels: string | string[], ctx: z.RefinementCtx): void {
  const pairs = [labels].flat();
  if (pairs.length > LABEL_LIMITS.count) {
    ctx.addIssue({
      code: "custom",
      message: `At most ${LABEL_LIMITS.count} labels; this request has ${pairs.length}.`,
    });
    return;
  }
  const seen = new Set<string>();
  pairs.forEach((pair, index) => {
    const key = labelKey(pair);
    // A malformed label already has its own issue; a repeat of it is not news.
    if (!pair.includes("=") || !LABEL_KEY.test(key)) return;
    if (seen.has(key)) {
      ctx.addIssue({
        code: "custom",
        path: [index],
        message: `Label "${key}" is given more than once; give each key once.`,
      });
    }
    seen.add(key);
  });
}

export const publishQuerySchema = queryParameters({
  class: classSchema.optional().openapi({
    description: "Sensitivity class; required when the object is new, else must match it.",
  }),
  filename: z
    .string()
    .min(1)
    .max(255)
    .refine(isPlainFilename, "No path separators, control or invisible format characters.")
    .optional()
    .openapi({ description: "File name recipients see; defaults to the object name." }),
  modelVersion: z.string().max(128).optional(),
  trainingWindow: z.string().max(128).optional().openapi({ example: "2023-01-01/2023-12-31" }),
  recipientGroup: z.string().max(128).optional().openapi({ example: "cardiology-analytics" }),
  label: z
    .union([labelSchema, z.array(labelSchema)])
    .superRefine(checkLabelSet)
    .optional()
    .openapi({
      description:
        "Free labels as key=value; repeat the parameter for several, each key once. At most " +
        `${LABEL_LIMITS.count} labels; keys of 1-${LABEL_LIMITS.keyLength} letters, digits, ` +
        `'.', '_' or '-'; values of at most ${LABEL_LIMITS.valueLength} characters.`,
    }),
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
