/** The /v1/webhooks request and answer schemas, which the OpenAPI document is generated from. */
import { z } from "@hono/zod-openapi";
import { queryInteger, queryParameters } from "../http/query.ts";
import { idPattern } from "../ids.ts";
import { eventTypesSchema } from "./event-types.ts";
import { MAX_URL_LENGTH } from "./urls.ts";

/** A day: long enough to roll a new secret out to receivers, short enough to retire a leak. */
export const DEFAULT_GRACE_SECONDS = 86_400;
const MAX_GRACE_SECONDS = 7 * 86_400;

export const webhookIdSchema = z
  .string()
  .regex(idPattern("webhook"), "Not a webhook endpoint id.")
  .openapi({ example: "whk_Q2h8vJx0LmTa5RcYw1NbKe" });

export const webhookParamsSchema = z.object({ webhookId: webhookIdSchema });

const urlSchema = z
  .string()
  .max(MAX_URL_LENGTH)
  .openapi({
    description:
      "Where events are POSTed: https only, without user name or password, not to a private or " +
      "loopback address (plain http to loopback is allowed only in development).",
    example: "https://siem.example.org/hooks/portcullis",
  });

/**
 * Shown in listings and terminals: no control characters (Cc) and no invisible format characters
 * (Cf, among them the bidirectional overrides that make text read differently than it is stored).
 */
const descriptionSchema = z
  .string()
  .trim()
  .max(200, "At most 200 characters.")
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, "No control or invisible format characters.")
  .openapi({ example: "SIEM ingest" });

export const createWebhookSchema = z
  .object({
    url: urlSchema,
    description: descriptionSchema.optional(),
    eventTypes: eventTypesSchema,
  })
  .strict()
  .openapi("CreateWebhook");

export const updateWebhookSchema = z
  .object({
    url: urlSchema.optional(),
    description: descriptionSchema.nullable().optional(),
    eventTypes: eventTypesSchema.optional(),
    disabled: z
      .boolean()
      .optional()
      .openapi({ description: "A disabled endpoint receives nothing until enabled again." }),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Give at least one field to change.")
  .openapi("UpdateWebhook");

export const rotateSecretSchema = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS, "At most 7 days.")
      .default(DEFAULT_GRACE_SECONDS)
      .openapi({
        description:
          "How long the previous secret keeps signing beside the new one (default a day; 0 " +
          "retires it at once).",
      }),
  })
  .strict()
  .openapi("RotateWebhookSecret");

export const replaySchema = z
  .object({
    eventId: z
      .string()
      .regex(idPattern("event"), "Not an event id.")
      .openapi({ example: "evt_Q2h8vJx0LmTa5RcYw1NbKe" }),
  })
  .strict()
  .openapi("ReplayWebhook");

export const webhookSchema = z
  .object({
    id: webhookIdSchema,
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    disabled: z.boolean(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    previousSecretExpiresAt: z.iso.datetime().nullable().openapi({
      description: "While a rotation's grace lasts, when the previous secret stops signing.",
    }),
  })
  .openapi("Webhook");

export const webhookWithSecretSchema = webhookSchema
  .extend({
    secret: z.string().openapi({
      description: "The signing secret, `whsec_…`. Shown only here: store it now.",
    }),
  })
  .openapi("WebhookWithSecret");

export const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    attempt: z.number().int(),
    status: z.enum(["delivered", "failed", "dead_lettered", "dropped"]),
    responseStatus: z.number().int().nullable(),
    latencyMs: z.number().int().nullable(),
    error: z.string().nullable(),
    replay: z.boolean(),
    attemptedAt: z.iso.datetime(),
  })
  .openapi("WebhookDelivery");

export const deliveriesQuerySchema = queryParameters({
  limit: queryInteger(1, 200).default(50),
  cursor: z.string().max(200).optional(),
});

export const deliveryPageSchema = z
  .object({ deliveries: z.array(deliverySchema), nextCursor: z.string().nullable() })
  .openapi("WebhookDeliveryPage");

export const replayAnswerSchema = z
  .object({ webhookId: z.string(), eventId: z.string(), replay: z.literal(true) })
  .openapi("WebhookReplay");
