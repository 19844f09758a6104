/**
 * The events queue consumer (`consumeEvents`): it takes sealed audit events only, acknowledges
 * each it handled (alert rules, then webhook fan-out), retries one whose handling failed, and
 * refuses outright what cannot become valid.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildAuditEvent, type SealedAuditEvent, SYSTEM_ORIGIN } from "../../src/audit/events.ts";
import { consumeQueue as consumeEvents } from "../../src/events/consumer.ts";
import { newId } from "../../src/ids.ts";

const EVENTS_QUEUE = "portcullis-events";
const DEAD_LETTER_QUEUE = "portcullis-events-dlq";

function auditEvent(overrides: Partial<SealedAuditEvent> = {}): SealedAuditEvent {
  return {
    seq: 1,
    prevHash: "0".repeat(64),
    hash: "b".repeat(64),
    sealedAt: Date.now(),
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

async function consume(queue: string, bodies: unknown[], attempts = 1, environment: Env = env) {
  const batch = createMessageBatch<unknown>(
    queue,
    bodies.map((body) => message(body, attempts)),
  );
  const ctx = createExecutionContext();
  await consumeEvents(batch, environment);
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

  it("retries an event whose handling failed, acknowledging it not", async () => {
    // A D1 binding that fails every query: the webhook step cannot find the endpoints.
    const broken = {
      ...env,
      DB: {
        prepare: () => {
          throw new Error("D1 is down");
        },
      },
    };
    const { batch, result } = await consume(
      EVENTS_QUEUE,
      [auditEvent()],
      1,
      broken as unknown as Env,
    );

    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((retry) => retry.msgId)).toEqual([batch.messages[0]?.id]);
  });

  it("acknowledges a malformed message instead of retrying it, and does not throw", async () => {
    const valid = auditEvent();
    const { seq: _seq, hash: _hash, ...unsealed } = valid;
    const malformed = [
      "not json at all",
      null,
      { ...valid, action: "download.teleported" },
      { ...valid, occurredAt: "yesterday" },
      { id: valid.id },
      unsealed,
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
