/**
 * Download sessions and completion accounting: what a confirmed use buys (resumes and parallel
 * ranges within the grace window), when a download counts as completed or interrupted, giving a
 * use back when storage fails, and the LinkGuard outbox surviving an unavailable D1.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { buildAuditEvent, SYSTEM_ORIGIN } from "../../src/audit/events.ts";
import { writeAuditEvents } from "../../src/audit/store.ts";
import { database } from "../../src/db/client.ts";
import { linkGuard } from "../../src/links/guard-client.ts";
import type { LinkGuard } from "../../src/links/link-guard.ts";
import { liveEventSink } from "../../src/links/outbox.ts";
import {
  api,
  call,
  confirm,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  sha256Hex,
  type TestTenant,
} from "../support/harness.ts";

const KIB = 1024;

interface AuditRow {
  id: string;
  action: string;
  outcome: string;
  reason: string | null;
  bytesServed: number | null;
}

interface Fixture {
  tenant: TestTenant;
  bytes: Uint8Array;
  versionId: string;
  linkId: string;
  linkPath: string;
  sessionPath: string;
}

/** A fresh tenant, the 2 MB HRRP CSV as a restricted file, a one-use link and its session. */
async function openSession(): Promise<Fixture> {
  const tenant = await seedTenant();
  const bytes = new Uint8Array(env.SAMPLE_HRRP_CSV);
  const version = await publish(tenant, bytes, { class: "restricted", filename: "hrrp.csv" });
  const link = await issue(tenant, version.versionId, { maxUses: 1 });
  const sessionPath = await confirmAndGetSessionPath(link.path);
  return {
    tenant,
    bytes,
    versionId: version.versionId,
    linkId: link.id,
    linkPath: link.path,
    sessionPath,
  };
}

async function linkState(tenant: TestTenant, linkId: string) {
  const response = await api(tenant, `/links/${linkId}`);
  expect(response.status).toBe(200);
  return response.json<{ status: string; usesSpent: number; usesLeft: number }>();
}

async function auditOf(tenant: TestTenant, linkId: string): Promise<AuditRow[]> {
  await flushAudit(linkId);
  const response = await api(tenant, `/audit?linkId=${linkId}&limit=500`);
  expect(response.status).toBe(200);
  return (await response.json<{ events: AuditRow[] }>()).events;
}

function withAction(events: AuditRow[], action: string): AuditRow[] {
  return events.filter((event) => event.action === action);
}

type StoredSession = {
  bytes_served: number;
  completed_at: number | null;
  ended_at: number | null;
  ended_reason: string | null;
};

function sessions(linkId: string): Promise<StoredSession[]> {
  return runInDurableObject(linkGuard(env, linkId), (_instance, state) =>
    state.storage.sql
      .exec<StoredSession>(
        "SELECT bytes_served, completed_at, ended_at, ended_reason FROM sessions",
      )
      .toArray(),
  );
}

/** Moves every session's window into the past, as if its grace period had run out. */
async function lapseSessions(linkId: string): Promise<void> {
  await runInDurableObject(linkGuard(env, linkId), (_instance, state) => {
    state.storage.sql.exec("UPDATE sessions SET expires_at = ?", Date.now() - 1000);
  });
}

async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((total, part) => total + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.byteLength;
  }
  return whole;
}

async function problem(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  return response.json<{ code: string; status: number }>();
}

describe("resuming within a download session", () => {
  it("a download cut at 64 KiB and resumed with Range completes on the same use", async () => {
    const { tenant, bytes, linkId, sessionPath } = await openSession();

    const first = await call(sessionPath);
    expect(first.status).toBe(200);
    const reader = first.body?.getReader();
    if (!reader) throw new Error("the download has no body");
    const head: Uint8Array[] = [];
    let received = 0;
    while (received < 64 * KIB) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error("the body ended before 64 KiB");
      head.push(chunk.value);
      received += chunk.value.byteLength;
    }
    await reader.cancel();

    // The cut is reported from waitUntil: wait for it, then check it did not count as complete.
    await vi.waitFor(async () => {
      const [session] = await sessions(linkId);
      expect(session?.bytes_served).toBeGreaterThanOrEqual(64 * KIB);
    });
    const [cut] = await sessions(linkId);
    expect(cut?.bytes_served).toBeLessThan(bytes.byteLength);
    expect(cut?.completed_at).toBeNull();

    const resumed = await call(sessionPath, { headers: { Range: `bytes=${64 * KIB}-` } });
    expect(resumed.status).toBe(206);
    const tail = await bytesOf(resumed);
    const assembled = concat([concat(head).slice(0, 64 * KIB), tail]);
    expect(await sha256Hex(assembled)).toBe(await sha256Hex(bytes));

    const [session] = await sessions(linkId);
    expect(session?.completed_at).not.toBeNull();
    expect(await linkState(tenant, linkId)).toMatchObject({ usesSpent: 1 });
    const events = await auditOf(tenant, linkId);
    expect(withAction(events, "download.started")).toHaveLength(1);
    expect(withAction(events, "download.completed")).toHaveLength(1);
    expect(withAction(events, "download.interrupted")).toHaveLength(0);
  });

  it("four parallel ranges covering the file complete the download exactly once", async () => {
    const { tenant, bytes, linkId, sessionPath } = await openSession();
    const size = bytes.byteLength;
    const quarter = Math.ceil(size / 4);
    const ranges = [0, 1, 2, 3].map((index) => ({
      start: index * quarter,
      end: Math.min(size, (index + 1) * quarter) - 1,
    }));

    const responses = await Promise.all(
      ranges.map(({ start, end }) =>
        call(sessionPath, { headers: { Range: `bytes=${start}-${end}` } }),
      ),
    );
    const parts = await Promise.all(responses.map(bytesOf));
    for (const [index, response] of responses.entries()) {
      const { start, end } = ranges[index] ?? { start: -1, end: -1 };
      expect(response.status).toBe(206);
      expect(response.headers.get("Content-Range")).toBe(`bytes ${start}-${end}/${size}`);
    }
    expect(await sha256Hex(concat(parts))).toBe(await sha256Hex(bytes));

    const completed = withAction(await auditOf(tenant, linkId), "download.completed");
    expect(completed).toHaveLength(1);
    expect(completed[0]?.bytesServed).toBeGreaterThanOrEqual(size);
    expect(await linkState(tenant, linkId)).toMatchObject({ usesSpent: 1 });
  });

  it("a second full fetch in the same session does not record a second completion", async () => {
    const { tenant, bytes, linkId, sessionPath } = await openSession();

    for (let round = 0; round < 2; round += 1) {
      const response = await call(sessionPath);
      expect(response.status).toBe(200);
      expect((await bytesOf(response)).byteLength).toBe(bytes.byteLength);
    }

    expect(await sessions(linkId)).toMatchObject([{ bytes_served: 2 * bytes.byteLength }]);
    const events = await auditOf(tenant, linkId);
    expect(withAction(events, "download.completed")).toHaveLength(1);
    expect(await linkState(tenant, linkId)).toMatchObject({ usesSpent: 1 });
  });

  it("a partial fetch alone does not complete the download", async () => {
    const { tenant, linkId, sessionPath } = await openSession();
    const response = await call(sessionPath, { headers: { Range: "bytes=0-999" } });
    expect((await bytesOf(response)).byteLength).toBe(1000);

    expect(await sessions(linkId)).toMatchObject([{ bytes_served: 1000, completed_at: null }]);
    expect(withAction(await auditOf(tenant, linkId), "download.completed")).toHaveLength(0);
  });
});

describe("the end of a session's window", () => {
  it("a session lapsing incomplete yields one download.interrupted with its bytes", async () => {
    const { tenant, linkId, sessionPath } = await openSession();
    const partial = await call(sessionPath, { headers: { Range: "bytes=0-9999" } });
    expect((await bytesOf(partial)).byteLength).toBe(10_000);

    await lapseSessions(linkId);
    expect(await runDurableObjectAlarm(linkGuard(env, linkId))).toBe(true);
    // Further alarms must not report the same session again.
    await runDurableObjectAlarm(linkGuard(env, linkId));

    const interrupted = withAction(await auditOf(tenant, linkId), "download.interrupted");
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]).toMatchObject({
      outcome: "failed",
      reason: "session_lapsed",
      bytesServed: 10_000,
    });
    expect(await sessions(linkId)).toMatchObject([{ ended_reason: "lapsed", completed_at: null }]);
  });

  it("a completed session that lapses is not reported as interrupted", async () => {
    const { tenant, linkId, sessionPath } = await openSession();
    await bytesOf(await call(sessionPath));

    await lapseSessions(linkId);
    await runDurableObjectAlarm(linkGuard(env, linkId));

    const events = await auditOf(tenant, linkId);
    expect(withAction(events, "download.completed")).toHaveLength(1);
    expect(withAction(events, "download.interrupted")).toHaveLength(0);
  });

  it("a session URL past its window answers 410 session_ended before/after the alarm", async () => {
    const { linkId, sessionPath } = await openSession();
    const during = await call(sessionPath, { headers: { Range: "bytes=0-0" } });
    expect(during.status).toBe(206);
    await during.arrayBuffer();

    await lapseSessions(linkId);
    const beforeAlarm = await call(sessionPath, { headers: { Accept: "application/json" } });
    expect(beforeAlarm.status).toBe(410);
    expect(await problem(beforeAlarm)).toMatchObject({ code: "session_ended" });

    await runDurableObjectAlarm(linkGuard(env, linkId));
    const afterAlarm = await call(sessionPath, {
      headers: { Accept: "application/json", Range: "bytes=0-0" },
    });
    expect(afterAlarm.status).toBe(410);
    expect(await problem(afterAlarm)).toMatchObject({ code: "session_ended" });
  });
});

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
