/**
 * The audit queries stay fast with millions of rows: SQLite's own plan for every statement the
 * audit API and the background work send reads an index led by the tenant, never scans the table
 * and never sorts, starts a later page at its cursor (keyset paging, no OFFSET), and binds no more
 * than D1's 100 parameters.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { evaluateAlerts } from "../../src/alerts/rules.ts";
import { createApp } from "../../src/app.ts";
import type { SealedAuditEvent } from "../../src/audit/events.ts";
import {
  loadChainHead,
  sealWaitingEvents,
  tenantsWithWaitingEvents,
} from "../../src/audit/sealing.ts";
import { writeAuditEvents } from "../../src/audit/store.ts";
import { database } from "../../src/db/client.ts";
import { timeCursor } from "../../src/http/time-cursor.ts";
import { pruneTenantAudit } from "../../src/retention/audit-pruning.ts";
import {
  call,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  ORIGIN,
  publish,
  seedTenant,
  type TestTenant,
  utf8,
} from "../support/harness.ts";
import { queryPlan, type RecordedStatement, recordingD1 } from "../support/recording-d1.ts";

const D1_MAX_BOUND_PARAMETERS = 100;

/** An index read that starts from the tenant, or a lookup of given rows by their key. */
const LOOKUP_BY_TENANT_OR_KEY = new RegExp(
  [
    String.raw`^SEARCH audit_events USING (COVERING )?INDEX \w+ \(tenant_id=\?`,
    String.raw`^SEARCH audit_events USING INDEX sqlite_autoindex_audit_events_1 \(id=\?\)$`,
    String.raw`^SEARCH audit_events USING INTEGER PRIMARY KEY \(rowid=\?\)$`,
  ].join("|"),
);

/** A tenant whose chain holds a publish, an issue, a view and a download start. */
async function tenantWithHistory(): Promise<{ tenant: TestTenant; linkId: string }> {
  const tenant = await seedTenant();
  const version = await publish(tenant, utf8("ccn,ratio\n010001,1.02\n"), {
    class: "internal",
    filename: "r.csv",
  });
  const link = await issue(tenant, version.versionId, { maxUses: 2 });
  await call(link.path, { headers: { Accept: "text/html" } });
  await confirmAndGetSessionPath(link.path);
  await flushAudit(link.id);
  return { tenant, linkId: link.id };
}

/** Runs one API request against the real app, with every statement it sends recorded. */
async function recordRequest(tenant: TestTenant, path: string): Promise<RecordedStatement[]> {
  const log: RecordedStatement[] = [];
  const context = createExecutionContext();
  const response = await createApp().fetch(
    new Request(`${ORIGIN}${path}`, { headers: { Authorization: `Bearer ${tenant.key}` } }),
    { ...env, DB: recordingD1(env.DB, log) },
    context,
  );
  expect(response.status, path).toBe(200);
  await response.arrayBuffer();
  await waitOnExecutionContext(context);
  return log;
}

function cursorAt(occurredAt: number, id: string): string {
  return timeCursor("audit").encode(occurredAt, id);
}

function touchesAudit(statement: RecordedStatement): boolean {
  return /\baudit_events\b/.test(statement.sql);
}

/** The plan steps that read audit_events, each checked to use an index led by the tenant. */
async function auditSteps(statement: RecordedStatement): Promise<string[]> {
  const plan = await queryPlan(env.DB, statement);
  // A DISTINCT may be kept in a temporary tree; ordering rows by sorting them may not.
  expect(plan.join("\n"), statement.sql).not.toMatch(/TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/);
  const steps = plan.filter((step) => /\baudit_events\b/.test(step));
  for (const step of steps) {
    expect(step, statement.sql).toMatch(LOOKUP_BY_TENANT_OR_KEY);
  }
  return steps;
}

function expectBoundWithinLimit(statements: readonly RecordedStatement[]): void {
  for (const statement of statements) {
    expect(statement.params.length, statement.sql).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);
  }
}

describe("the audit list and export queries", () => {
  const listFilters: [string, (linkId: string) => string, string][] = [
    ["no filter", () => "", "audit_tenant_time"],
    ["a link", (linkId) => `linkId=${linkId}`, "audit_tenant_link_time"],
    ["a version", () => "versionId=ver_aaaaaaaaaaaaaaaaaaaaaa", "audit_tenant_version_time"],
    ["an action", () => "action=download.started", "audit_tenant_action_time"],
    ["an outcome", () => "outcome=denied", "audit_tenant_outcome_time"],
    [
      "a time range",
      () => "from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z",
      "audit_tenant_time",
    ],
    ["a chain position", () => "seq=2", "audit_tenant_seq"],
  ];

  it.each(listFilters)(
    "a list filtered by %s reads the index made for it",
    async (_, query, index) => {
      const { tenant, linkId } = await tenantWithHistory();
      const statements = (await recordRequest(tenant, `/v1/audit?${query(linkId)}`)).filter(
        touchesAudit,
      );

      expect(statements).toHaveLength(1);
      const [statement] = statements;
      if (!statement) return;
      const steps = await auditSteps(statement);
      expect(steps).toHaveLength(1);
      expect(steps[0]).toContain(`INDEX ${index} `);
    },
  );

  it("a later page starts at its cursor in the index, never walking the newer rows", async () => {
    const { tenant, linkId } = await tenantWithHistory();
    const cursor = cursorAt(Date.now(), "evt_zzzzzzzzzzzzzzzzzzzzzz");

    for (const query of [`cursor=${cursor}`, `linkId=${linkId}&cursor=${cursor}`]) {
      const [statement] = (await recordRequest(tenant, `/v1/audit?${query}`)).filter(touchesAudit);
      if (!statement) throw new Error(`no audit query for ${query}`);
      const steps = await auditSteps(statement);
      expect(steps[0]).toContain("(occurred_at,id)<(?,?)");
    }
  });

  it("the export and the head read the chain by position on the (tenant, seq) index", async () => {
    const { tenant, linkId } = await tenantWithHistory();
    const paths = [
      "/v1/audit/head",
      "/v1/audit/export",
      "/v1/audit/export?format=csv&since=2026-01-01T00:00:00Z",
      `/v1/audit/export?linkId=${linkId}&action=download.started&outcome=allowed`,
    ];

    for (const path of paths) {
      const statements = (await recordRequest(tenant, path)).filter(touchesAudit);
      expect(statements.length, path).toBeGreaterThan(0);
      expectBoundWithinLimit(statements);
      for (const statement of statements) await auditSteps(statement);

      const pages = statements.filter((statement) => /order by .*"seq" asc/.test(statement.sql));
      if (path === "/v1/audit/head") continue;
      expect(pages.length, path).toBeGreaterThan(0);
      for (const page of pages) {
        const [step] = await auditSteps(page);
        expect(step).toMatch(/INDEX audit_tenant_seq \(tenant_id=\? AND seq>\? AND seq<\?\)/);
      }
    }
  });
});

describe("the background audit work", () => {
  it("sealing, its backstop and pruning read indexes and bind within D1's limit", async () => {
    const { tenant } = await tenantWithHistory();
    const log: RecordedStatement[] = [];
    const db = database(recordingD1(env.DB, log));

    const head = await loadChainHead(db, tenant.tenantId);
    await sealWaitingEvents(db, tenant.tenantId, head, Date.now());
    await tenantsWithWaitingEvents(db, 50);
    const pruned = await pruneTenantAudit(
      { ...env, DB: recordingD1(env.DB, log) },
      tenant.tenantId,
      Date.now() + 7 * 365 * 86_400_000,
    );
    expect(pruned?.deleted).toBeGreaterThan(0);

    const statements = log.filter(touchesAudit);
    expect(statements.length).toBeGreaterThanOrEqual(5);
    expectBoundWithinLimit(statements);
    for (const statement of statements) {
      if (!statement.sql.includes("DISTINCT tenant_id")) {
        await auditSteps(statement);
        continue;
      }
      // The backstop asks across tenants, so only the index of waiting events may serve it.
      const plan = await queryPlan(env.DB, statement);
      expect(plan).toEqual([
        expect.stringMatching(
          /^(SCAN|SEARCH) audit_events USING (COVERING )?INDEX audit_unsealed /,
        ),
      ]);
    }
  });

  it("forty events are written in statements that each bind at most 100 values", async () => {
    const { tenant } = await tenantWithHistory();
    const [template] = await database(env.DB).query.auditEvents.findMany({
      where: (events, { eq }) => eq(events.tenantId, tenant.tenantId),
      limit: 1,
    });
    if (!template) throw new Error("the tenant has no events");
    const { seq: _s, prevHash: _p, hash: _h, sealedAt: _a, ...event } = template;
    const batch = Array.from({ length: 40 }, () => ({ ...event, id: crypto.randomUUID() }));

    const log: RecordedStatement[] = [];
    await writeAuditEvents(database(recordingD1(env.DB, log)), batch);

    expect(log.length).toBeGreaterThan(1);
    expectBoundWithinLimit(log);
  });

  it("each alert rule's history query reads an index led by the tenant", async () => {
    const { tenant } = await tenantWithHistory();
    const rows = await database(env.DB).query.auditEvents.findMany({
      where: (events, { and, eq }) =>
        and(eq(events.tenantId, tenant.tenantId), eq(events.action, "download.started")),
    });
    const started = rows[0] as SealedAuditEvent | undefined;
    if (!started) throw new Error("no download.started event");

    const log: RecordedStatement[] = [];
    const recordingEnv = { ...env, DB: recordingD1(env.DB, log) };
    const actions = ["download.started", "download.denied", "download.address_changed"] as const;
    for (const action of actions) {
      await evaluateAlerts(recordingEnv, { ...started, action, clientIp: "192.0.2.7" });
    }

    const statements = log.filter(touchesAudit);
    expect(statements.length).toBeGreaterThanOrEqual(3);
    for (const statement of statements) {
      const [step] = await auditSteps(statement);
      // A rule looks at one link's or one address's history, never at the whole tenant's.
      if (statement.sql.includes('"link_id" = ?')) expect(step).toContain("audit_tenant_link_time");
      else expect(step).toContain("INDEX audit_tenant_ip ");
    }
  });
});
