/**
 * The messages on the webhook queues, parsed with zod at the consumer: one event for one
 * endpoint, the event embedded so a delivery never waits on D1 for it. A message that the
 * consumer itself dead-letters carries `recorded`, so the dead-letter consumer knows its attempt
 * row exists; one moved there by the queue's own retry limit does not.
 */
import { z } from "zod";
import { type SealedAuditEvent, sealedAuditEventSchema } from "../audit/events.ts";

export const deliveryMessageSchema = z.object({
  endpointId: z.string().min(1),
  tenantId: z.string().min(1),
  event: sealedAuditEventSchema,
  /** True when an operator asked for the event again; the webhook-id stays the event id. */
  replay: z.boolean(),
  /**
   * Attempts made under earlier messages: a delivery put off while its endpoint cools down goes
   * back on the queue as a new message, whose own attempt count starts again at 1.
   */
  priorAttempts: z.number().int().min(0).max(1000).optional(),
});

export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

export const deadLetterMessageSchema = deliveryMessageSchema.extend({
  recorded: z.literal(true).optional(),
});

export type DeadLetterMessage = z.infer<typeof deadLetterMessageSchema>;

export function deliveryMessage(
  endpointId: string,
  event: SealedAuditEvent & { tenantId: string },
  replay: boolean,
): MessageSendRequest<DeliveryMessage> {
  return {
    body: { endpointId, tenantId: event.tenantId, event, replay },
    contentType: "json",
  };
}
