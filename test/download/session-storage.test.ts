/**
 * Download sessions when things fail: giving a use back when storage fails, and the LinkGuard
 * outbox surviving an unavailable D1.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildAuditEvent, SYSTEM_ORIGIN } from "../../src/audit/events.ts";
import { writeAuditEvents } from "../../src/audit/store.ts";
import { database } from "../../src/db/client.ts";
import { linkGuard } from "../../src/links/guard-client.ts";
import type { LinkGuard } from "../../src/links/link-guard.ts";
import { liveEventSink } from "../../src/links/outbox.ts";
import {
  call,
  confirm,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  withAction,
} from "../support/harness.ts";
import { auditOf, bytesOf, KIB, linkState, openSession, problem } from "./fixtures.ts";

describe("storage failures", () => {
  it("storage failing before the first byte refunds the use and audits the refund", async () => {
    const { tenant, versionId, linkId, linkPath, sessionPath } = await openSession();
    expect(await linkState(tenant, linkId)).toMatchObject({ usesSpent: 1, status: "used_up" });

    await env.FILES.delete(`tenants/${tenant.tenantId}/versions/${versionId}`);
    const response = await call(sessionPath, { headers: { Accept: "application/json" } });
    expect(response.status).toBe(503);
    expect(await problem(response)).toMatchObject({ code: "storage_unavailable", status: 503 });

    expect(await linkState(tenant, linkId)).toMatchObject({
      usesSpent: 0,
      usesLeft: 1,
      status: "active",
    });
    const returned = withAction(await auditOf(tenant, linkId), "download.use_returned");
    expect(returned).toHaveLength(1);
    expect(returned[0]).toMatchObject({ outcome: "failed", reason: "storage_unavailable" });

    // The use given back can be spent again.
    expect((await confirm(linkPath)).status).toBe(303);
    expect(await linkState(tenant, linkId)).toMatchObject({ usesSpent: 1 });
  });
});

describe("storage failures while another request of the session is streaming", () => {
  it("a use is not given back once another request of the session has sent bytes", async () => {
    const { tenant, versionId, linkId, linkPath, sessionPath } = await openSession();

    // A download manager's first connection is streaming: the client already holds 64 KiB.
    const first = await call(sessionPath);
    const reader = first.body?.getReader();
    if (!reader) throw new Error("the download has no body");
    let received = 0;
    while (received < 64 * KIB) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error("the body ended before 64 KiB");
      received += chunk.value.byteLength;
    }

    // Its second connection hits a storage failure before its own first byte.
    await env.FILES.delete(`tenants/${tenant.tenantId}/versions/${versionId}`);
    const second = await call(sessionPath, { headers: { Range: "bytes=1048576-" } });
    expect(second.status).toBe(503);
    await reader.cancel();

    // Bytes of this session reached the client, so the use was spent: a one-time link must not
    // become confirmable again.
    expect(await linkState(tenant, linkId)).toMatchObject({ usesSpent: 1, status: "used_up" });
    expect((await confirm(linkPath)).status).toBe(410);
  });
});

describe("the audit outbox", () => {
  it("survives D1 being down and delivers every event exactly once when it returns", async () => {
    const { tenant, linkId, linkPath } = await issueModelCardLink();
    const stub = linkGuard(env, linkId);
    await flushAudit(linkId);
    const recordedBefore = await d1EventIds(linkId);
    expect(recordedBefore).toHaveLength(1);

    await runInDurableObject(stub, (instance: LinkGuard) => {
      instance.sink = {
        record: async () => {
          throw new Error("d1 down");
        },
        publish: async () => {},
      };
    });

    // A view, a confirmation and a full download: three decisions, three audit events or more.
    await call(linkPath, { headers: { Accept: "application/json" } });
    const sessionPath = await confirmAndGetSessionPath(linkPath);
    await bytesOf(await call(sessionPath));
    await runDurableObjectAlarm(stub);

    const pending = await outboxRows(linkId);
    expect(await stub.pendingEvents()).toBeGreaterThanOrEqual(3);
    expect(pending).toHaveLength(await stub.pendingEvents());
    expect(pending.every((row) => row.recorded === 0 && row.attempts >= 1)).toBe(true);
    expect(await d1EventIds(linkId)).toEqual(recordedBefore);

    await runInDurableObject(stub, (instance: LinkGuard, state) => {
      instance.sink = liveEventSink(env);
      state.storage.sql.exec("UPDATE outbox SET next_attempt_at = 0");
    });
    await runDurableObjectAlarm(stub);

    expect(await stub.pendingEvents()).toBe(0);
    const counts = await d1EventCounts(linkId);
    for (const { id } of pending) expect(counts.get(id)).toBe(1);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(counts.size).toBe(recordedBefore.length + pending.length);

    const actions = (await auditOf(tenant, linkId)).map((event) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining(["link.viewed", "download.started", "download.completed"]),
    );
  });

  it("delivering the same event to D1 twice never duplicates its row", async () => {
    const tenant = await seedTenant();
    const event = buildAuditEvent(
      { tenantId: tenant.tenantId, action: "link.viewed", outcome: "allowed" },
      SYSTEM_ORIGIN,
    );
    const other = buildAuditEvent(
      { tenantId: tenant.tenantId, action: "link.viewed", outcome: "denied" },
      SYSTEM_ORIGIN,
    );
    const db = database(env.DB);

    await writeAuditEvents(db, [event]);
    await writeAuditEvents(db, [event]);
    await writeAuditEvents(db, [event, other]);

    const rows = await env.DB.prepare(
      "SELECT id, count(*) AS n FROM audit_events WHERE tenant_id = ? GROUP BY id ORDER BY id",
    )
      .bind(tenant.tenantId)
      .all<{ id: string; n: number }>();
    expect(rows.results).toHaveLength(2);
    expect(Object.fromEntries(rows.results.map((row) => [row.id, row.n]))).toEqual({
      [event.id]: 1,
      [other.id]: 1,
    });
  });
});

async function issueModelCardLink() {
  const tenant = await seedTenant();
  const bytes = new Uint8Array(env.SAMPLE_MODEL_CARD);
  const version = await publish(tenant, bytes, { class: "restricted", filename: "card.md" });
  const link = await issue(tenant, version.versionId, { maxUses: 1 });
  return { tenant, linkId: link.id, linkPath: link.path };
}

type OutboxRow = { id: string; attempts: number; recorded: number };

function outboxRows(linkId: string): Promise<OutboxRow[]> {
  return runInDurableObject(linkGuard(env, linkId), (_instance, state) =>
    state.storage.sql.exec<OutboxRow>("SELECT id, attempts, recorded FROM outbox").toArray(),
  );
}

async function d1EventCounts(linkId: string): Promise<Map<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT id, count(*) AS n FROM audit_events WHERE link_id = ? GROUP BY id",
  )
    .bind(linkId)
    .all<{ id: string; n: number }>();
  return new Map(results.map((row) => [row.id, row.n]));
}

async function d1EventIds(linkId: string): Promise<string[]> {
  return [...(await d1EventCounts(linkId)).keys()].sort();
}
