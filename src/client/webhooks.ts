/**
 * Webhooks in the client: managing a tenant's endpoints (`client.webhooks`), and, for receivers,
 * `verifyWebhook`, which checks a delivery's Standard Webhooks signature and returns its event.
 *
 * @example
 * ```ts
 * const endpoint = await portcullis.webhooks.create({
 *   url: "https://siem.example.org/hooks/portcullis",
 *   eventTypes: ["link.revoked", "alert.*"],
 * });
 * // endpoint.secret is shown only now: keep it where the receiver can read it.
 * const event = verifyWebhook(rawBody, request.headers, endpoint.secret);
 * ```
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { z } from "zod";
import { type Call, type CallOptions, queryParams, type Transport } from "./transport.ts";

export { WebhookVerificationError };

export const webhookSchema = z.looseObject({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  disabled: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** While a rotation's grace lasts, when the previous secret stops signing. */
  previousSecretExpiresAt: z.string().nullable(),
});
export type WebhookEndpoint = z.infer<typeof webhookSchema>;

/** The answer to create and rotate: the only time the secret is shown. */
export const webhookWithSecretSchema = webhookSchema.extend({ secret: z.string() });
export type WebhookEndpointWithSecret = z.infer<typeof webhookWithSecretSchema>;

export const webhookDeliverySchema = z.looseObject({
  id: z.string(),
  eventId: z.string(),
  attempt: z.number().int(),
  status: z.enum(["delivered", "failed", "dead_lettered", "dropped"]),
  responseStatus: z.number().int().nullable(),
  latencyMs: z.number().int().nullable(),
  error: z.string().nullable(),
  replay: z.boolean(),
  attemptedAt: z.string(),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

const deliveryPageSchema = z.object({
  deliveries: z.array(webhookDeliverySchema),
  nextCursor: z.string().nullable(),
});
export type WebhookDeliveryPage = z.infer<typeof deliveryPageSchema>;

const replaySchema = z.object({
  webhookId: z.string(),
  eventId: z.string(),
  replay: z.literal(true),
});
const deletedSchema = z.object({ id: z.string(), deleted: z.literal(true) });

/** The sealed audit event a delivery carries; times are milliseconds since the epoch. */
export const webhookEventSchema = z.object({
  type: z.string(),
  timestamp: z.string(),
  data: z.looseObject({
    id: z.string(),
    occurredAt: z.number(),
    tenantId: z.string(),
    action: z.string(),
    outcome: z.string(),
    reason: z.string().nullable(),
    actor: z.string().nullable(),
    linkId: z.string().nullable(),
    versionId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    seq: z.number().int(),
    prevHash: z.string(),
    hash: z.string(),
    sealedAt: z.number(),
  }),
});
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

export interface CreateWebhookInput {
  url: string;
  /** Audit actions (`link.revoked`), families (`alert.*`) or `*`. */
  eventTypes: string[];
  description?: string;
}

export interface UpdateWebhookInput {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  disabled?: boolean;
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function plainHeaders(headers: HeaderBag): Record<string, string> {
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined)
      plain[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  return plain;
}

/**
 * Checks a delivery and returns its event: the signature must match `secret` (any of the
 * space-separated signatures, so deliveries during a rotation verify with either secret) and the
 * timestamp must be within five minutes. Pass the body exactly as received, before any parsing.
 * Throws WebhookVerificationError otherwise, and for a payload that is not a Portcullis event.
 */
export function verifyWebhook(
  payload: string | Uint8Array,
  headers: HeaderBag,
  secret: string,
): WebhookEvent {
  const verified = new Webhook(secret).verify(payload, plainHeaders(headers));
  const event = webhookEventSchema.safeParse(verified);
  if (!event.success) throw new WebhookVerificationError("Not a Portcullis webhook event");
  return event.data;
}

const path = (webhookId: string, suffix = "") =>
  `/v1/webhooks/${encodeURIComponent(webhookId)}${suffix}`;

/** The /v1/webhooks routes (scope `admin`), reached as `client.webhooks`. */
export class WebhooksClient {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Registers an endpoint. The answer's `secret` is the only copy: store it at once. */
  create(input: CreateWebhookInput, options?: CallOptions): Promise<WebhookEndpointWithSecret> {
    return this.#call(
      webhookWithSecretSchema,
      { method: "POST", path: "/v1/webhooks", json: input },
      options,
    );
  }

  async list(options?: CallOptions): Promise<WebhookEndpoint[]> {
    const schema = z.object({ webhooks: z.array(webhookSchema) });
    const answer = await this.#call(schema, { method: "GET", path: "/v1/webhooks" }, options);
    return answer.webhooks;
  }

  get(webhookId: string, options?: CallOptions): Promise<WebhookEndpoint> {
    return this.#call(webhookSchema, { method: "GET", path: path(webhookId) }, options);
  }

  update(webhookId: string, input: UpdateWebhookInput, options?: CallOptions) {
    const call: Call = { method: "PATCH", path: path(webhookId), json: input };
    return this.#call(webhookSchema, call, options);
  }

  async delete(webhookId: string, options?: CallOptions): Promise<void> {
    await this.#call(deletedSchema, { method: "DELETE", path: path(webhookId) }, options);
  }

  /**
   * Makes a new secret; the previous one keeps signing beside it for `graceSeconds` (default a
   * day), so receivers can switch without missing a delivery. The new secret is shown only here.
   */
  rotateSecret(webhookId: string, graceSeconds?: number, options?: CallOptions) {
    const json = graceSeconds === undefined ? {} : { graceSeconds };
    const call: Call = { method: "POST", path: path(webhookId, "/rotate-secret"), json };
    return this.#call(webhookWithSecretSchema, call, options);
  }

  /** One page of the endpoint's delivery attempts, newest first; pass `nextCursor` on. */
  deliveries(
    webhookId: string,
    page: { limit?: number; cursor?: string } = {},
    options?: CallOptions,
  ): Promise<WebhookDeliveryPage> {
    const query = queryParams(page);
    const call: Call = { method: "GET", path: path(webhookId, "/deliveries"), query };
    return this.#call(deliveryPageSchema, call, options);
  }

  /** Queues a sealed event for the endpoint again; it arrives with its original webhook-id. */
  replay(webhookId: string, eventId: string, options?: CallOptions) {
    const call: Call = { method: "POST", path: path(webhookId, "/replay"), json: { eventId } };
    return this.#call(replaySchema, call, options);
  }

  async #call<T>(schema: z.ZodType<T>, call: Call, options?: CallOptions): Promise<T> {
    return (await this.#transport.send(schema, call, options)).data;
  }
}
