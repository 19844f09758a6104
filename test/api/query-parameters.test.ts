/**
 * Every /v1 route with query parameters refuses one it does not take, naming it and the ones it
 * does: a misspelt filter must never widen an answer (an audit export of one link becoming the
 * tenant's whole log). Numbers are plain decimal digits.
 */
import { describe, expect, it } from "vitest";
import { api, flushAudit, issue, publish, seedTenant, utf8 } from "../support/harness.ts";

const ROUTES_WITH_QUERIES = [
  "/audit",
  "/audit/export",
  "/subjects",
  "/webhooks/wh_000000000000000000000000/deliveries",
];

interface Problem {
  code: string;
  detail: string;
  issues: { field: string; message: string }[];
}

describe("query parameters", () => {
  it.each(ROUTES_WITH_QUERIES)("GET %s refuses an unknown parameter by name", async (route) => {
    const tenant = await seedTenant();

    const response = await api(tenant, `${route}?bogus=1`);

    expect(response.status).toBe(400);
    const problem = await response.json<Problem>();
    expect(problem.code).toBe("invalid_request");
    expect(problem.detail).toMatch(
      /^\(root\): Unknown query parameter "bogus"; the parameters are /,
    );
  });

  it("an export with `link` for `linkId` is refused, not widened to every event", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });
    const link = await issue(tenant, version.versionId);

    const response = await api(tenant, `/audit/export?link=${link.id}`);

    expect(response.status).toBe(400);
    const problem = await response.json<Problem>();
    expect(problem.detail).toContain('Unknown query parameter "link"');
    expect(problem.detail).toContain("linkId");
  });

  it("a publish names every unknown parameter at once", async () => {
    const tenant = await seedTenant();

    const response = await api(
      tenant,
      "/objects/notes/versions?class=internal&modelversion=3&x=1",
      {
        method: "POST",
        headers: { "Content-Type": "text/csv" },
        body: "a,b\n",
      },
    );

    expect(response.status).toBe(400);
    const problem = await response.json<Problem>();
    expect(problem.detail).toContain('Unknown query parameters "modelversion", "x"');
  });

  it.each(["1e2", "0x10", " 5", "5.0", "+5", "-1"])(
    "limit=%s is refused: a number is written in digits",
    async (limit) => {
      const tenant = await seedTenant();

      const response = await api(tenant, `/audit?limit=${encodeURIComponent(limit)}`);

      expect(response.status).toBe(400);
      const problem = await response.json<Problem>();
      expect(problem.issues).toContainEqual({
        field: "limit",
        message: "Write a whole number from 1 to 500 in digits.",
      });
    },
  );

  it('a limit of 23 digits is out of range, said once, not "write it in digits"', async () => {
    const tenant = await seedTenant();

    const response = await api(tenant, "/audit?limit=99999999999999999999999");

    expect(response.status).toBe(400);
    const problem = await response.json<Problem>();
    expect(problem.issues).toEqual([
      { field: "limit", message: "Give a whole number from 1 to 500." },
    ]);
  });

  it("a zoneless time names the form to use; two refused times get no third issue", async () => {
    const tenant = await seedTenant();

    const response = await api(tenant, "/audit?from=2026-12-04&to=2026-12-01T10:00");

    expect(response.status).toBe(400);
    const problem = await response.json<Problem>();
    expect(problem.issues.map((issue) => issue.field)).toEqual(["from", "to"]);
    expect(problem.issues[0]?.message).toContain("ISO 8601 date-time with its zone");
    expect(problem.issues[0]?.message).toContain("%2B");
  });

  it("limit=3 in digits is read as the number 3", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });
    for (let count = 0; count < 4; count += 1) {
      const link = await issue(tenant, version.versionId);
      await flushAudit(link.id);
    }

    const response = await api(tenant, "/audit?limit=3");

    expect(response.status).toBe(200);
    const page = await response.json<{ events: unknown[]; nextCursor: string | null }>();
    expect(page.events).toHaveLength(3);
    expect(page.nextCursor).not.toBeNull();
  });

  it("the OpenAPI document describes limit as a string of digits with its bounds", async () => {
    const document = await (await api(await seedTenant(), "/openapi.json")).json<{
      paths: Record<string, { get: { parameters: { name: string; schema: unknown }[] } }>;
    }>();

    const parameters = document.paths["/v1/audit"]?.get.parameters ?? [];
    const limit = parameters.find((parameter) => parameter.name === "limit");
    expect(limit?.schema).toMatchObject({ type: "string", pattern: "^[0-9]+$" });
  });
});

describe("query times finer than a millisecond", () => {
  /** `2026-…T10:00:50.617Z` with the extra digits "0001" after the milliseconds. */
  function justAfter(iso: string): string {
    return iso.replace(/Z$/, "0001Z");
  }

  it("a start of m.0001 ms leaves out the event at m; an end of m.0001 ms keeps it", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });
    const link = await issue(tenant, version.versionId);
    await flushAudit(link.id);
    const all = await (await api(tenant, `/audit?linkId=${link.id}`)).json<{
      events: { id: string; occurredAt: string }[];
    }>();
    const event = all.events[0];
    if (!event) throw new Error("issuing the link wrote no audit event");

    const from = justAfter(event.occurredAt);
    const after = await api(tenant, `/audit?linkId=${link.id}&from=${from}`);
    const before = await api(tenant, `/audit?linkId=${link.id}&to=${from}`);

    expect(after.status).toBe(200);
    const afterIds = (await after.json<{ events: { id: string }[] }>()).events.map((e) => e.id);
    expect(afterIds).not.toContain(event.id);
    const beforeIds = (await before.json<{ events: { id: string }[] }>()).events.map((e) => e.id);
    expect(beforeIds).toContain(event.id);
  });
});
