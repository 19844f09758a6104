/**
 * Download sessions: what a confirmed use buys (resumes and parallel ranges within the grace
 * window), and when a download counts as completed or interrupted.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { linkGuard } from "../../src/links/guard-client.ts";
import { call, concat, sha256Hex, withAction } from "../support/harness.ts";
import { auditOf, bytesOf, KIB, linkState, openSession, problem } from "./fixtures.ts";

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
