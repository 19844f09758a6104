/**
 * GET /v1/audit/head and GET /v1/audit/export, and checking an export: an untouched export
 * verifies; editing, deleting or reordering one event fails naming it.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { auditLedger } from "../../src/audit/ledger-client.ts";
import {
  api,
  call,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  type TestTenant,
  utf8,
} from "../support/harness.ts";
import { runSecurityMatrix } from "../support/security-matrix.ts";
import { exportLines, verifyLines } from "./chain-fixtures.ts";

const CSV = utf8("ccn,ratio\n010001,1.02\n");

/** A tenant whose chain holds a publish, an issue, two views (one by a hostile agent), a start. */
async function tenantWithHistory(): Promise<{
  tenant: TestTenant;
  linkId: string;
  linkPath: string;
}> {
  const tenant = await seedTenant();
  const version = await publish(tenant, CSV, { class: "internal", filename: "r.csv" });
  const link = await issue(tenant, version.versionId, { maxUses: 2 });
  await call(link.path, { headers: { Accept: "text/html" } });
  await call(link.path, {
    headers: { Accept: "text/html", "User-Agent": '=HYPERLINK("http://evil.test","x")' },
  });
  await confirmAndGetSessionPath(link.path);
  await flushAudit(link.id);
  return { tenant, linkId: link.id, linkPath: link.path };
}

function edit(line: string, change: (event: Record<string, unknown>) => void): string {
  const event = JSON.parse(line) as Record<string, unknown>;
  change(event);
  return JSON.stringify(event);
}

describe("GET /v1/audit/head", () => {
  it("names the last sealed event's position and hash, with nothing left waiting", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    const last = JSON.parse(lines.at(-1) ?? "{}") as { seq: number; hash: string };

    const response = await api(tenant, "/audit/head");
    expect(response.status).toBe(200);
    const body = await response.json<{ head: { seq: number; hash: string }; waiting: number }>();
    expect(body.head).toMatchObject({ seq: last.seq, hash: last.hash });
    expect(body.waiting).toBe(0);
  });

  it("GET /v1/audit?seq=N answers the one event at that position", async () => {
    const { tenant } = await tenantWithHistory();
    const third = JSON.parse((await exportLines(tenant))[2] ?? "{}");
    const page = await (await api(tenant, "/audit?seq=3")).json<{ events: { hash: string }[] }>();
    expect(page.events).toHaveLength(1);
    expect(page.events[0]).toMatchObject({ id: third.id, seq: 3, hash: third.hash });
  });

  it("answers a null head for a tenant with no events", async () => {
    const tenant = await seedTenant();
    const body = await (await api(tenant, "/audit/head")).json();
    expect(body).toEqual({ head: null, anchor: null, waiting: 0 });
  });
});

describe("GET /v1/audit/export", () => {
  it("streams the whole chain as NDJSON, oldest first, marked contiguous", async () => {
    const { tenant } = await tenantWithHistory();
    const response = await api(tenant, "/audit/export");
    expect(response.headers.get("Content-Type")).toBe("application/x-ndjson");
    expect(response.headers.get("Portcullis-Chain")).toBe("contiguous");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="audit-/);

    const events = (await response.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]).toMatchObject({
      action: "version.published",
      tenantId: tenant.tenantId,
      actor: tenant.principal,
      actorKeyId: tenant.keyId,
    });
    expect(response.headers.get("Portcullis-Chain-Range")).toBe(`1-${events.length}`);
  });

  it("writes CSV with ISO times, escaping cells a spreadsheet would run as formulas", async () => {
    const { tenant } = await tenantWithHistory();
    const response = await api(tenant, "/audit/export?format=csv");
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const text = await response.text();
    const [header, first] = text.split("\n");

    expect(header).toBe(
      "seq,id,occurredAt,sealedAt,action,outcome,reason,actor,actorKeyId,linkId,versionId," +
        "clientIp,country,userAgent,bytesServed,requestId,detail,prevHash,hash",
    );
    expect(first).toMatch(/^1,evt_[\w-]{22},\d{4}-\d\d-\d\dT[\d:.]+Z,/);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.test"",""x"")"`);
    expect(text).not.toMatch(/,=HYPERLINK/);
  });

  it("marks a filtered export, which verifies only when gaps are allowed", async () => {
    const { tenant, linkId, linkPath } = await tenantWithHistory();
    // A third view after the download started leaves a gap in the viewed events' positions.
    await call(linkPath, { headers: { Accept: "text/html" } });
    await flushAudit(linkId);

    const response = await api(tenant, `/audit/export?action=link.viewed&linkId=${linkId}`);
    expect(response.headers.get("Portcullis-Chain")).toBe("filtered");
    const lines = (await response.text()).trim().split("\n");
    expect(lines.map((line) => JSON.parse(line).action)).toEqual(Array(3).fill("link.viewed"));

    expect((await verifyLines(lines)).problem).toMatchObject({ kind: "removed" });
    expect(await verifyLines(lines, { allowGaps: true })).toMatchObject({ problem: null });
  });

  it("exports the events sealed within a time range", async () => {
    const { tenant } = await tenantWithHistory();
    const all = (await exportLines(tenant)).map((line) => JSON.parse(line));
    const future = new Date(Date.now() + 60_000).toISOString();

    expect(await exportLines(tenant, `?since=${encodeURIComponent(future)}`)).toEqual([]);
    const until = await exportLines(tenant, `?until=${encodeURIComponent(future)}`);
    expect(until).toHaveLength(all.length);
  });

  it("refuses an unknown format or a malformed time with 400 invalid_request", async () => {
    const tenant = await seedTenant();
    const backwards = "?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z";
    for (const query of ["?format=xml", "?since=yesterday", "?action=nothing", backwards]) {
      const response = await api(tenant, `/audit/export${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json(), query).toMatchObject({ code: "invalid_request" });
    }
  });

  it("never includes another tenant's events", async () => {
    const { tenant } = await tenantWithHistory();
    const other = await tenantWithHistory();
    const tenants = new Set(
      (await exportLines(tenant)).map((line) => JSON.parse(line).tenantId as string),
    );
    expect([...tenants]).toEqual([tenant.tenantId]);
    expect(tenants.has(other.tenant.tenantId)).toBe(false);
  });
});

describe("verifying an export", () => {
  it("an untouched export verifies, summarising the stretch it covers", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    const result = await verifyLines(lines);
    expect(result.problem).toBeNull();
    expect(result.summary).toMatchObject({ events: lines.length, firstSeq: 1 });
  });

  it("editing one event fails, naming it", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    const target = JSON.parse(lines[2] ?? "{}");
    lines[2] = edit(lines[2] ?? "", (event) => {
      event.clientIp = "203.0.113.9";
    });

    const { problem } = await verifyLines(lines);
    expect(problem).toMatchObject({ kind: "altered", seq: target.seq, eventId: target.id });
  });

  it("editing one event and recomputing its hash still fails, naming it", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    const { chainHash } = await import("../../src/audit/chain.ts");
    const target = JSON.parse(lines[1] ?? "{}");
    const forged = { ...target, actor: "someone-else" };
    forged.hash = await chainHash(forged, forged);
    lines[1] = JSON.stringify(forged);

    const { problem } = await verifyLines(lines);
    expect(problem).toMatchObject({ kind: "altered", seq: target.seq, eventId: target.id });
  });

  it("deleting one event fails, naming its position", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    const removed = JSON.parse(lines[3] ?? "{}");
    lines.splice(3, 1);

    const { problem } = await verifyLines(lines);
    expect(problem).toMatchObject({ kind: "removed", seq: removed.seq });
    expect(problem?.message).toContain(removed.hash);
  });

  it("reordering two events fails, naming the one out of place", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    const [second, third] = [lines[1] ?? "", lines[2] ?? ""];
    lines[1] = third;
    lines[2] = second;

    const { problem } = await verifyLines(lines);
    expect(problem).toMatchObject({ kind: "reordered", seq: JSON.parse(second).seq });
  });

  it("a line with a field the hash does not cover fails as malformed", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    lines[1] = edit(lines[1] ?? "", (event) => {
      event.note = "forged";
    });
    expect((await verifyLines(lines)).problem).toMatchObject({ kind: "malformed", line: 2 });
  });

  it("a line repeating a field, which readers and parsers see differently, fails", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    const original = lines[1] ?? "";
    lines[1] = original.replace('{"id":', '{"actor":"mallory","id":');
    expect(JSON.parse(lines[1]).actor).toBe(JSON.parse(original).actor);

    const { problem } = await verifyLines(lines);
    expect(problem).toMatchObject({ kind: "malformed", line: 2 });
    expect(problem?.message).toContain("not as exported");
  });

  it("a repeated line fails as duplicated; CRLF line ends verify as they are", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    expect(await verifyLines(lines.map((line) => `${line}\r`))).toMatchObject({ problem: null });

    lines.splice(2, 0, lines[1] ?? "");
    const target = JSON.parse(lines[1] ?? "{}");
    expect((await verifyLines(lines)).problem).toMatchObject({
      kind: "duplicated",
      seq: target.seq,
    });
  });

  it("a line whose fields are reordered fails as malformed, naming the event", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    const target = JSON.parse(lines[1] ?? "{}");
    const { id, ...rest } = target;
    lines[1] = JSON.stringify({ ...rest, id });

    const { problem } = await verifyLines(lines);
    expect(problem).toMatchObject({ kind: "malformed", line: 2, seq: target.seq, eventId: id });
    expect(problem?.message).toContain("not in the exported order");
  });

  it("a line that is not an audit event fails as malformed", async () => {
    const { tenant } = await tenantWithHistory();
    const lines = await exportLines(tenant);
    lines.splice(1, 0, '{"hello":"world"}');
    expect((await verifyLines(lines)).problem).toMatchObject({ kind: "malformed", line: 2 });
  });
});

runSecurityMatrix({
  name: "GET /v1/audit/head",
  scope: "audit:read",
  prepare: async () => ({ path: "/audit/head" }),
});

runSecurityMatrix({
  name: "GET /v1/audit/export",
  scope: "audit:read",
  prepare: async (owner) => {
    await publish(owner, CSV, { class: "internal" });
    await auditLedger(env, owner.tenantId).seal(owner.tenantId);
    return { path: "/audit/export" };
  },
});
