/**
 * The tenant audit hash chain: many LinkGuards sealing at once, D1 refusing anything that would
 * fork or rewrite it, and events surviving a D1 outage to appear in the chain exactly once.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { chainHash } from "../../src/audit/chain.ts";
import { buildAuditEvent, SYSTEM_ORIGIN } from "../../src/audit/events.ts";
import { auditLedger } from "../../src/audit/ledger-client.ts";
import { writeAuditEvents } from "../../src/audit/store.ts";
import { database } from "../../src/db/client.ts";
import { auditEvents } from "../../src/db/schema.ts";
import { linkGuard } from "../../src/links/guard-client.ts";
import {
  call,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  utf8,
  withAction,
} from "../support/harness.ts";
import { exportLines, verifyLines } from "./chain-fixtures.ts";

const CSV = utf8("ccn,ratio\n010001,1.02\n010005,0.97\n");

async function chainOf(tenantId: string) {
  return database(env.DB)
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.tenantId, tenantId))
    .orderBy(asc(auditEvents.seq))
    .all();
}

/** A D1 that refuses every new audit row, as when the database is unavailable for writes. */
async function refuseAuditWrites(): Promise<() => Promise<void>> {
  await env.DB.exec(
    "CREATE TRIGGER test_d1_down BEFORE INSERT ON audit_events " +
      "BEGIN SELECT RAISE(ABORT, 'D1 is unavailable'); END",
  );
  return async () => {
    await env.DB.exec("DROP TRIGGER test_d1_down");
  };
}

describe("the tenant audit chain", () => {
  it("stays one unbroken chain while many LinkGuards write at once", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, CSV, { class: "internal", filename: "ratios.csv" });
    const links = await Promise.all(
      Array.from({ length: 8 }, () => issue(tenant, version.versionId, { maxUses: 3 })),
    );

    await Promise.all(links.map((link) => call(link.path, { headers: { Accept: "text/html" } })));
    await Promise.all(links.map((link) => confirmAndGetSessionPath(link.path)));
    await Promise.all(links.map((link) => flushAudit(link.id)));

    const rows = await chainOf(tenant.tenantId);
    // published, 8 × (issued, viewed, started) at least; every one sealed, none waiting.
    expect(rows.length).toBeGreaterThanOrEqual(1 + 8 * 3);
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
    for (const [index, row] of rows.entries()) {
      if (index > 0) expect(row.prevHash).toBe(rows[index - 1]?.hash);
    }
    const lines = await exportLines(tenant);
    expect(lines).toHaveLength(rows.length);
    expect(await verifyLines(lines)).toMatchObject({ problem: null });
  });

  it("seals each event with the sha256 of its canonical form", async () => {
    const tenant = await seedTenant();
    await publish(tenant, CSV, { class: "internal" });
    await auditLedger(env, tenant.tenantId).seal(tenant.tenantId);

    const [published] = await chainOf(tenant.tenantId);
    if (!published?.seq || !published.prevHash || !published.sealedAt) {
      throw new Error("the publish event was not sealed");
    }
    const { seq, prevHash, hash, sealedAt, ...event } = published;
    expect(seq).toBe(1);
    expect(prevHash).toBe("0".repeat(64));
    expect(hash).toBe(await chainHash(event, { seq, prevHash, sealedAt }));
    const edited = { ...event, actor: "someone else" };
    expect(hash).not.toBe(await chainHash(edited, { seq, prevHash, sealedAt }));
  });
});

describe("a backlog of waiting events", () => {
  it("is sealed over successive bounded runs, the alarm carrying on, into one chain", async () => {
    const tenant = await seedTenant();
    const backlog = Array.from({ length: 1100 }, (_, index) =>
      buildAuditEvent(
        { tenantId: tenant.tenantId, action: "link.viewed", outcome: "allowed" },
        SYSTEM_ORIGIN,
        1_700_000_000_000 + index,
      ),
    );
    await writeAuditEvents(database(env.DB), backlog);
    const ledger = auditLedger(env, tenant.tenantId);

    await ledger.seal(tenant.tenantId);
    const firstRun = (await chainOf(tenant.tenantId)).filter((row) => row.seq !== null);
    expect(firstRun).toHaveLength(1000);
    expect(await runDurableObjectAlarm(ledger)).toBe(true);

    const rows = await chainOf(tenant.tenantId);
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
    expect(rows.map((row) => row.id)).toEqual(backlog.map((event) => event.id));
  });
});

describe("D1 guards the chain itself", () => {
  async function sealedChain() {
    const tenant = await seedTenant();
    await publish(tenant, CSV, { class: "internal" });
    await publish(tenant, CSV, { class: "internal" });
    await auditLedger(env, tenant.tenantId).seal(tenant.tenantId);
    return { tenant, rows: await chainOf(tenant.tenantId) };
  }

  it("refuses to change a sealed event", async () => {
    const { rows } = await sealedChain();
    const first = rows[0];
    if (!first) throw new Error("no sealed event");
    await expect(
      env.DB.prepare("UPDATE audit_events SET reason = 'edited' WHERE id = ?").bind(first.id).run(),
    ).rejects.toThrow(/a sealed event cannot be changed/);
  });

  it("refuses to delete a sealed event the anchor has not passed, the first included", async () => {
    const { tenant, rows } = await sealedChain();
    const remove = (seq: number | null) =>
      env.DB.prepare("DELETE FROM audit_events WHERE tenant_id = ? AND seq = ?")
        .bind(tenant.tenantId, seq)
        .run();

    for (const row of [rows[0], rows.at(-1)]) {
      await expect(remove(row?.seq ?? null)).rejects.toThrow(/removed only by pruning/);
    }
    expect(await chainOf(tenant.tenantId)).toHaveLength(rows.length);
  });

  it("lets pruning delete what its anchor has passed, and nothing after it", async () => {
    const { tenant, rows } = await sealedChain();
    const [first, second] = rows;
    if (!first?.seq || !first.hash || !second?.seq) throw new Error("chain too short");
    await env.DB.prepare(
      "INSERT INTO audit_chain_anchors (tenant_id, seq, hash, pruned_at) VALUES (?, ?, ?, 1)",
    )
      .bind(tenant.tenantId, first.seq, first.hash)
      .run();
    const remove = (seq: number) =>
      env.DB.prepare("DELETE FROM audit_events WHERE tenant_id = ? AND seq = ?")
        .bind(tenant.tenantId, seq)
        .run();

    await expect(remove(second.seq)).rejects.toThrow(/removed only by pruning/);
    expect((await remove(first.seq)).meta.changes).toBe(1);
  });

  it("refuses an event inserted already sealed", async () => {
    const { tenant, rows } = await sealedChain();
    const last = rows.at(-1);
    await expect(
      env.DB.prepare(
        "INSERT INTO audit_events (id, occurred_at, tenant_id, action, outcome, seq, " +
          "prev_hash, hash, sealed_at) VALUES ('evt_forged', 1, ?, 'link.issued', " +
          "'succeeded', ?, ?, ?, 1)",
      )
        .bind(tenant.tenantId, (last?.seq ?? 0) + 1, last?.hash, "f".repeat(64))
        .run(),
    ).rejects.toThrow(/events are inserted unsealed/);
  });

  it("seals an event only onto its predecessor, and never twice at one position", async () => {
    const { tenant, rows } = await sealedChain();
    const waiting = buildAuditEvent(
      { tenantId: tenant.tenantId, action: "policy.changed", outcome: "succeeded" },
      SYSTEM_ORIGIN,
    );
    await writeAuditEvents(database(env.DB), [waiting]);
    const seal = (seq: number, prevHash: string) =>
      env.DB.prepare(
        "UPDATE audit_events SET seq = ?, prev_hash = ?, hash = ?, sealed_at = 1 WHERE id = ?",
      )
        .bind(seq, prevHash, "e".repeat(64), waiting.id)
        .run();

    const head = rows.at(-1);
    if (!head?.seq || !head.hash) throw new Error("no head");
    await expect(seal(head.seq + 1, "a".repeat(64))).rejects.toThrow(/onto its predecessor/);
    await expect(seal(head.seq, rows.at(-2)?.hash ?? "")).rejects.toThrow(/UNIQUE constraint/);
  });
});

describe("events recorded while D1 refuses writes", () => {
  it("a download made while D1 is down is in the audit after recovery, once", async () => {
    const tenant = await seedTenant();
    const bytes = new Uint8Array(env.SAMPLE_HRRP_CSV);
    const version = await publish(tenant, bytes, { class: "restricted", filename: "hrrp.csv" });
    const link = await issue(tenant, version.versionId, { maxUses: 1 });
    await flushAudit(link.id);

    const restore = await refuseAuditWrites();
    try {
      const sessionPath = await confirmAndGetSessionPath(link.path);
      const download = await call(sessionPath);
      expect(download.status).toBe(200);
      expect((await download.arrayBuffer()).byteLength).toBe(bytes.byteLength);

      const guard = linkGuard(env, link.id);
      await runDurableObjectAlarm(guard);
      await runDurableObjectAlarm(guard);
      expect(await guard.pendingEvents()).toBeGreaterThanOrEqual(2);
      const during = await chainOf(tenant.tenantId);
      expect(withAction(during, "download.started")).toEqual([]);
    } finally {
      await restore();
    }

    // Skip the back-off the failures earned, as if its time had passed.
    await runInDurableObject(linkGuard(env, link.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE outbox SET next_attempt_at = 0");
    });
    await flushAudit(link.id);
    // A second delivery of the same events (a retry after a lost answer) must not duplicate them.
    await flushAudit(link.id);

    const after = await chainOf(tenant.tenantId);
    for (const action of ["download.started", "download.completed"]) {
      const rows = withAction(after, action);
      expect(rows, action).toHaveLength(1);
      expect(rows[0]?.seq, action).not.toBeNull();
    }
    expect(await verifyLines(await exportLines(tenant))).toMatchObject({ problem: null });
  });

  it("a refused token is kept by the ledger while D1 is down and recorded once after", async () => {
    const restore = await refuseAuditWrites();
    let requestId: string;
    try {
      const response = await call("/d/not-a-token", { headers: { Accept: "application/json" } });
      expect(response.status).toBe(401);
      requestId = (await response.json<{ requestId: string }>()).requestId;
      expect(await auditLedger(env, null).pendingEvents()).toBeGreaterThanOrEqual(1);
    } finally {
      await restore();
    }

    const ledger = auditLedger(env, null);
    await runDurableObjectAlarm(ledger);
    expect(await ledger.pendingEvents()).toBe(0);
    const rows = await database(env.DB)
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.requestId, requestId))
      .all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tenantId: null, reason: "token_invalid", seq: null });
  });
});
