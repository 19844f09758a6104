/**
 * Text must be valid Unicode: a JSON body carrying a lone UTF-16 surrogate is refused with 400,
 * and an audit event can never hold one, so no text can stall a tenant's audit chain.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildAuditEvent, SYSTEM_ORIGIN } from "../../src/audit/events.ts";
import { auditLedger } from "../../src/audit/ledger-client.ts";
import { writeAuditEvents } from "../../src/audit/store.ts";
import { database } from "../../src/db/client.ts";
import { exportLines, verifyLines } from "../audit/chain-fixtures.ts";
import { api, issue, publish, seedTenant, utf8 } from "../support/harness.ts";

const LONE = "lone \ud800 surrogate";

function rawJson(text: string): RequestInit {
  return { method: "POST", headers: { "Content-Type": "application/json" }, body: text };
}

describe("ill-formed text in a request", () => {
  it("a revocation reason with a lone surrogate is refused, 400, revoking nothing", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });
    const link = await issue(tenant, version.versionId);

    const response = await api(
      tenant,
      `/links/${link.id}/revoke`,
      rawJson('{"reason":"lone \\ud800 surrogate"}'),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });

    const state = await (await api(tenant, `/links/${link.id}`)).json<{ status: string }>();
    expect(state.status).toBe("active");
  });

  it("a lone surrogate in a key of the body is refused too", async () => {
    const tenant = await seedTenant();
    const response = await api(tenant, "/webhooks", rawJson('{"\\udfff":1}'));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });

  it("a body nested thousands deep is answered 400 by its route, never a 500", async () => {
    const tenant = await seedTenant();
    const depth = 20_000;
    const deep = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const nested = `{"url":"https://example.org/","eventTypes":${deep}}`;
    const response = await api(tenant, "/webhooks", rawJson(nested));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_request" });
  });

  it("an uploaded JSON file is stored as bytes, whatever text it holds", async () => {
    const tenant = await seedTenant();
    const bytes = utf8('{"note":"\\ud800"}');
    const version = await publish(tenant, bytes, {
      class: "internal",
      contentType: "application/json",
      filename: "odd.json",
    });
    expect(version.size).toBe(bytes.byteLength);
  });
});

describe("an audit event built from ill-formed text", () => {
  it("is stored well-formed, and the chain goes on sealing and verifying", async () => {
    const tenant = await seedTenant();
    const event = buildAuditEvent(
      {
        tenantId: tenant.tenantId,
        action: "link.revoked",
        outcome: "succeeded",
        reason: LONE,
        detail: { note: LONE, [LONE]: [LONE] },
      },
      SYSTEM_ORIGIN,
    );
    expect(event.reason).toBe("lone \ufffd surrogate");
    expect(JSON.stringify(event.detail)).not.toContain("\\ud800");

    await writeAuditEvents(database(env.DB), [event]);
    await publish(tenant, utf8("after"), { class: "internal" });
    await auditLedger(env, tenant.tenantId).seal(tenant.tenantId);

    const head = await (await api(tenant, "/audit/head")).json<{ waiting: number }>();
    expect(head.waiting).toBe(0);
    const lines = await exportLines(tenant);
    expect(lines).toHaveLength(2);
    expect(await verifyLines(lines)).toMatchObject({ problem: null });
  });
});
