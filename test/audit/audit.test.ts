import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { timeCursor } from "../../src/http/time-cursor.ts";
import {
  api,
  call,
  confirm,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  type TestTenant,
  utf8,
} from "../support/harness.ts";

interface Event {
  id: string;
  occurredAt: string;
  action: string;
  outcome: string;
  reason: string | null;
  tenantId: string;
  linkId: string | null;
  bytesServed: number | null;
  requestId: string | null;
}

async function events(tenant: TestTenant, query: string) {
  const response = await api(tenant, `/audit?${query}`);
  expect(response.status).toBe(200);
  return response.json<{ events: Event[]; nextCursor: string | null }>();
}

async function downloadOnceThenDeny(tenant: TestTenant) {
  const version = await publish(tenant, utf8("audit me"));
  const link = await issue(tenant, version.versionId, { maxUses: 1 });
  await call(link.path, { headers: { Accept: "text/html" } });
  const sessionPath = await confirmAndGetSessionPath(link.path);
  await (await call(sessionPath)).arrayBuffer();
  await confirm(link.path);
  await flushAudit(link.id);
  return { version, link, sessionPath };
}

describe("GET /v1/audit", () => {
  it("a full download lists issued, viewed, started, completed, denied, newest first", async () => {
    const tenant = await seedTenant();
    const { link } = await downloadOnceThenDeny(tenant);

    const { events: rows } = await events(tenant, `linkId=${link.id}`);
    expect(rows.map((row) => [row.action, row.outcome, row.reason])).toEqual([
      ["download.denied", "denied", "link_used_up"],
      ["download.completed", "succeeded", null],
      ["download.started", "allowed", null],
      ["link.viewed", "allowed", null],
      ["link.issued", "succeeded", null],
    ]);
    const completed = rows.find((row) => row.action === "download.completed");
    expect(completed?.bytesServed).toBe(8);
    expect(rows.every((row) => row.requestId?.startsWith("req_"))).toBe(true);
    const times = rows.map((row) => Date.parse(row.occurredAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("filters by version, action and outcome", async () => {
    const tenant = await seedTenant();
    const { version, link } = await downloadOnceThenDeny(tenant);

    const denied = await events(tenant, `versionId=${version.versionId}&outcome=denied`);
    expect(denied.events.map((row) => row.reason)).toEqual(["link_used_up"]);
    const started = await events(tenant, `action=download.started&linkId=${link.id}`);
    expect(started.events).toHaveLength(1);
  });

  it("filters by time range, with from inclusive and to exclusive", async () => {
    const tenant = await seedTenant();
    const { link } = await downloadOnceThenDeny(tenant);
    const all = (await events(tenant, `linkId=${link.id}`)).events;
    const newest = all[0]?.occurredAt ?? "";

    const upToNewest = await events(tenant, `linkId=${link.id}&to=${encodeURIComponent(newest)}`);
    expect(upToNewest.events.every((row) => row.occurredAt < newest)).toBe(true);
    const fromNewest = await events(tenant, `linkId=${link.id}&from=${encodeURIComponent(newest)}`);
    expect(fromNewest.events.length).toBeGreaterThan(0);
    expect(fromNewest.events.every((row) => row.occurredAt === newest)).toBe(true);
  });

  it("pages with a cursor, never repeating or skipping a row", async () => {
    const tenant = await seedTenant();
    const { link } = await downloadOnceThenDeny(tenant);
    const all = (await events(tenant, `linkId=${link.id}`)).events.map((row) => row.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = await events(tenant, `linkId=${link.id}&limit=2${suffix}`);
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.map((row) => row.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it("shows a tenant only its own events", async () => {
    const owner = await seedTenant();
    const stranger = await seedTenant();
    const { link } = await downloadOnceThenDeny(owner);
    expect((await events(stranger, `linkId=${link.id}`)).events).toEqual([]);
    expect(
      (await events(stranger, "limit=500")).events.every((e) => e.tenantId === stranger.tenantId),
    ).toBe(true);
  });

  it("never stores a token, a session URL or an API key", async () => {
    const tenant = await seedTenant();
    const { link, sessionPath } = await downloadOnceThenDeny(tenant);
    const { results } = await env.DB.prepare("SELECT * FROM audit_events").all();
    const everything = JSON.stringify(results);

    const linkToken = link.path.slice("/d/".length);
    const sessionToken = sessionPath.slice("/s/".length);
    const keySecret = tenant.key.split(".")[2] ?? "";
    for (const secret of [linkToken, sessionToken, keySecret, ...linkToken.split(".")]) {
      expect(everything).not.toContain(secret);
    }
  });

  it.each([
    ["an unknown action", "action=link.exploded"],
    ["a limit over 500", "limit=501"],
    ["a cursor it never issued", "cursor=bm9wZQ"],
    ["a date that is not ISO 8601", "from=yesterday"],
    ["a range that ends before it starts", "from=2026-12-05T00:00:00Z&to=2026-12-01T00:00:00Z"],
    ["an empty range", "from=2026-12-05T00:00:00Z&to=2026-12-05T00:00:00Z"],
  ])("%s answers 400 invalid_request", async (_name, query) => {
    const tenant = await seedTenant();
    const response = await api(tenant, `/audit?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });

  it("refuses a cursor another list returned, such as a webhook's deliveries", async () => {
    const tenant = await seedTenant();
    const foreign = timeCursor("webhook-deliveries").encode(Date.now(), "dlv_x");
    const own = timeCursor("audit").encode(Date.now(), "evt_x");

    const refused = await api(tenant, `/audit?cursor=${foreign}`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      code: "invalid_request",
      detail: "The cursor is not one this list returned.",
    });
    expect((await api(tenant, `/audit?cursor=${own}`)).status).toBe(200);
  });

  it.each([
    ["/audit?limit=1&limit=2", "limit"],
    ["/audit/export?format=csv&format=ndjson", "format"],
    ["/audit?action=link.viewed&action=link.issued", "action"],
  ])("%s is refused naming the parameter given twice", async (path, parameter) => {
    const tenant = await seedTenant();
    const response = await api(tenant, path);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: "invalid_request",
      parameter,
      detail: `The query parameter ${parameter} is given more than once.`,
    });
  });
});
