/**
 * The events queue consumer (`consumeEvents`): which messages it acknowledges, which it retries,
 * and what it refuses outright.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type AuditEvent, buildAuditEvent, SYSTEM_ORIGIN } from "../../src/audit/events.ts";
import { consumeQueue as consumeEvents } from "../../src/events/consumer.ts";
import { newId } from "../../src/ids.ts";

const EVENTS_QUEUE = "portcullis-events";
const DEAD_LETTER_QUEUE = "portcullis-events-dlq";

function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    ...buildAuditEvent(
      {
        tenantId: newId("tenant"),
        linkId: newId("link"),
        versionId: newId("version"),
        action: "download.completed",
        outcome: "succeeded",
        bytesServed: 2_119_559,
        detail: { distinctBytes: 2_119_559 },
      },
      SYSTEM_ORIGIN,
    ),
    ...overrides,
  };
}

function message<Body>(body: Body, attempts = 1) {
  return { id: newId("event"), timestamp: new Date(), attempts, body };
}

async function consume(queue: string, bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch<unknown>(
    queue,
    bodies.map((body) => message(body, attempts)),
  );
  const ctx = createExecutionContext();
  await consumeEvents(batch, env);
  const result = await getQueueResult(batch, ctx);
  return { batch, result };
}

describe("the events queue consumer", () => {
  it("acknowledges every valid audit event, one by one, and retries none", async () => {
    const events = [
      auditEvent(),
      auditEvent({ action: "link.revoked", outcome: "succeeded", reason: "retention_ended" }),
      auditEvent({ action: "download.denied", outcome: "denied", reason: "link_used_up" }),
    ];
    const { batch, result } = await consume(EVENTS_QUEUE, events);

    expect(result.outcome).toBe("ok");
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(false);
    expect(result.retryMessages).toEqual([]);
    expect([...result.explicitAcks].sort()).toEqual(batch.messages.map((m) => m.id).sort());
  });

  it("acknowledges a malformed message instead of retrying it, and does not throw", async () => {
    const valid = auditEvent();
    const malformed = [
      "not json at all",
      null,
      { ...valid, action: "download.teleported" },
      { ...valid, occurredAt: "yesterday" },
      { id: valid.id },
    ];
    const { batch, result } = await consume(EVENTS_QUEUE, [...malformed, valid]);

    expect(result.outcome).toBe("ok");
    expect(result.retryBatch.retry).toBe(false);
    expect(result.retryMessages).toEqual([]);
    expect([...result.explicitAcks].sort()).toEqual(batch.messages.map((m) => m.id).sort());
  });

  it("acknowledges a batch from the dead-letter queue, well-formed or not", async () => {
    const { batch, result } = await consume(DEAD_LETTER_QUEUE, [auditEvent(), { junk: true }], 9);

    expect(result.outcome).toBe("ok");
    expect(result.retryBatch.retry).toBe(false);
    expect(result.retryMessages).toEqual([]);
    expect([...result.explicitAcks].sort()).toEqual(batch.messages.map((m) => m.id).sort());
  });

  it("throws for a queue it does not know, acknowledging nothing", async () => {
    const batch = createMessageBatch<unknown>("someone-elses-queue", [message(auditEvent())]);
    const ctx = createExecutionContext();

    await expect(consumeEvents(batch, env)).rejects.toThrow(/unknown queue someone-elses-queue/);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.ackAll).toBe(false);
  });
});
