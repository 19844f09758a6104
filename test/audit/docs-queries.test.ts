/**
 * The ready SQL in docs/audit.md works as printed: each `wrangler d1 execute` query, with its
 * placeholders filled in, runs against the real schema, answers what its comment promises, and
 * reads audit_events through an index rather than scanning the table.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import auditDoc from "../../docs/audit.md?raw";
import { call, confirm, flushAudit, issue, publish, seedTenant, utf8 } from "../support/harness.ts";

const ADDRESS = "203.0.113.7";
const RECIPIENT = "a@b.org";
const CSV = utf8("ccn,ratio\n010001,1.02\n");

/** The SQL of each `--command "…"` in the document, in order. */
function documentedQueries(): string[] {
  return [...auditDoc.matchAll(/--command "\n([\s\S]*?)"/g)].map((match) => match[1] ?? "");
}

/** A tenant with one completed download from ADDRESS, a denial, and a link bound to RECIPIENT. */
async function tenantWithHistory() {
  const tenant = await seedTenant();
  const version = await publish(tenant, CSV, { class: "internal", filename: "r.csv" });
  const link = await issue(tenant, version.versionId, { maxUses: 1 });
  const fromAddress = { "CF-Connecting-IP": ADDRESS };

  const started = await confirm(link.path, fromAddress);
  const session = started.headers.get("Location");
  if (started.status !== 303 || !session) throw new Error("the download did not start");
  const download = await call(session, { headers: fromAddress });
  expect(new Uint8Array(await download.arrayBuffer())).toEqual(CSV);
  expect((await confirm(link.path, fromAddress)).status).toBe(410);

  const bound = await issue(tenant, version.versionId, { recipientEmail: RECIPIENT });
  await call(bound.path, { headers: { Accept: "text/html" } });

  await flushAudit(link.id);
  await flushAudit(bound.id);
  return { tenant, version, link, bound };
}

async function run(sql: string) {
  return (await env.DB.prepare(sql).all<Record<string, unknown>>()).results;
}

describe("the ready queries of docs/audit.md", () => {
  it("answer what their comments promise, through indexes", async () => {
    const { tenant, version, link, bound } = await tenantWithHistory();
    const queries = documentedQueries().map((sql) =>
      sql.replaceAll("ten_…", tenant.tenantId).replaceAll("ver_…", version.versionId),
    );
    expect(queries).toHaveLength(6);
    const [downloads, recipient, address, denials, alerts, waiting] = queries as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];

    expect(await run(downloads)).toEqual([
      expect.objectContaining({ link_id: link.id, client_ip: ADDRESS, bytes_served: CSV.length }),
    ]);

    const recipientRows = await run(recipient);
    expect(recipientRows.length).toBeGreaterThan(0);
    expect(new Set(recipientRows.map((row) => row.link_id))).toEqual(new Set([bound.id]));
    expect(recipientRows.map((row) => row.action)).toContain("link.viewed");

    const addressRows = await run(address);
    expect(addressRows.map((row) => row.action)).toEqual(
      expect.arrayContaining(["download.started", "download.completed", "download.denied"]),
    );
    expect(new Set(addressRows.map((row) => row.link_id))).toEqual(new Set([link.id]));

    expect(await run(denials)).toEqual([{ reason: "link_used_up", denials: 1 }]);
    expect(await run(alerts)).toEqual([]);
    expect((await run(waiting)).map((row) => row.tenant_id)).not.toContain(tenant.tenantId);

    // Each query starts from the tenant in the index that fits it, so none reads the tenant's
    // whole history (the events of one version, link set, address, action or time range).
    const indexes = [
      "audit_tenant_version_time (tenant_id=? AND version_id=?",
      "audit_tenant_link_time (tenant_id=? AND link_id=?",
      "audit_tenant_ip (tenant_id=? AND client_ip=?",
      "audit_tenant_action_time (tenant_id=? AND action=? AND occurred_at>?",
      "audit_tenant_time (tenant_id=? AND occurred_at>?",
      "audit_unsealed (",
    ];
    for (const [position, sql] of queries.entries()) {
      const plan = await run(`EXPLAIN QUERY PLAN ${sql}`);
      const steps = plan
        .map((row) => String(row.detail))
        .filter((step) => /audit_events/.test(step));
      expect(steps, sql).toHaveLength(1);
      expect(steps[0], sql).toContain(`SEARCH audit_events USING INDEX ${indexes[position]}`);
    }
  });
});
