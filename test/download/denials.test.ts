import { env } from "cloudflare:workers";
import { importJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids.ts";
import { linkGuard } from "../../src/links/guard-client.ts";
import { signLinkToken } from "../../src/tokens/tokens.ts";
import {
  api,
  call,
  confirm,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
  utf8,
} from "../support/harness.ts";

async function problem(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  return response.json<{ code: string; status: number; detail: string; requestId: string }>();
}

async function forgedLinkPath(linkId: string): Promise<string> {
  const [jwk] = JSON.parse(env.TEST_FOREIGN_KEYS).keys;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "EdDSA", kid: jwk.kid, typ: "portcullis-link+jwt" })
    .setJti(linkId)
    .setExpirationTime("1h")
    .sign(await importJWK(jwk, "EdDSA"));
  return `/d/${token}`;
}

describe("recipient denials", () => {
  it("a revoked link answers 410 link_revoked, and revocation ends its open session", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("revocable"));
    const link = await issue(tenant, version.versionId, { maxUses: 2 });
    const sessionPath = await confirmAndGetSessionPath(link.path);

    const revoked = await api(tenant, `/links/${link.id}/revoke`, { method: "POST" });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ status: "revoked" });

    expect(await problem(await confirm(link.path))).toMatchObject({ code: "link_revoked" });
    const fetchAfter = await call(sessionPath, { headers: { Accept: "application/json" } });
    expect(fetchAfter.status).toBe(410);
    expect(await problem(fetchAfter)).toMatchObject({ code: "link_revoked" });
  });

  it("an expired link answers 410 link_expired and the denial is audited", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("short-lived"));
    const link = await issue(tenant, version.versionId, { ttlSeconds: 60 });

    // Re-sign the same link id with an expiry in the past: an authentic but expired token.
    const expiredToken = await signLinkToken(env.LINK_SIGNING_KEYS, {
      linkId: link.id,
      expiresAt: Math.floor(Date.now() / 1000) * 1000 - 60_000,
    });
    // LinkGuard decides expiry from its own record, so move that into the past as well.
    await forceExpiry(link.id);

    const response = await confirm(`/d/${expiredToken}`);
    expect(response.status).toBe(410);
    expect(await problem(response)).toMatchObject({ code: "link_expired" });

    await flushAudit(link.id);
    const audit = await api(tenant, `/audit?linkId=${link.id}&action=download.denied`);
    const { events } = await audit.json<{ events: { reason: string }[] }>();
    expect(events.map((event) => event.reason)).toEqual(["link_expired"]);
  });

  it("a forged token for a real link gets the same answer as one for no link at all", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("real"));
    const link = await issue(tenant, version.versionId);

    const forReal = await confirm(await forgedLinkPath(link.id));
    const forNothing = await confirm(await forgedLinkPath(newId("link")));
    expect(forReal.status).toBe(401);
    expect(forNothing.status).toBe(401);
    const [a, b] = [await problem(forReal), await problem(forNothing)];
    expect({ ...a, requestId: "" }).toEqual({ ...b, requestId: "" });
    expect(a.code).toBe("token_invalid");
  });

  it("a forged token is refused before LinkGuard is reached", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("real"));
    const link = await issue(tenant, version.versionId);
    await flushAudit(link.id);

    await call(await forgedLinkPath(link.id), { headers: { Accept: "application/json" } });
    await confirm(await forgedLinkPath(link.id));

    // Had LinkGuard been asked, it would have recorded a view or a denial for this link.
    expect(await linkGuard(env, link.id).pendingEvents()).toBe(0);
    const audit = await api(tenant, `/audit?linkId=${link.id}`);
    const { events } = await audit.json<{ events: { action: string }[] }>();
    expect(events.map((event) => event.action)).toEqual(["link.issued"]);
  });

  it("browsers get a readable page with the same status, revealing nothing", async () => {
    const response = await call(await forgedLinkPath(newId("link")), {
      headers: { Accept: "text/html,application/xhtml+xml" },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    expect(html).toMatch(/not valid/i);
    expect(html).not.toMatch(/revoked|expired|used/i);
  });

  it("a link bound to a recipient answers identity_required until identity exists", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("bound"));
    const link = await issue(tenant, version.versionId, { recipientEmail: "dr.lee@example.org" });
    const response = await confirm(link.path);
    expect(response.status).toBe(403);
    expect(await problem(response)).toMatchObject({ code: "identity_required" });
  });

  it("a session token that was never issued is refused", async () => {
    const response = await call("/s/not-a-session", { headers: { Accept: "application/json" } });
    expect(response.status).toBe(401);
    expect(await problem(response)).toMatchObject({ code: "token_invalid" });
  });
});

async function forceExpiry(linkId: string): Promise<void> {
  const { runInDurableObject } = await import("cloudflare:test");
  await runInDurableObject(linkGuard(env, linkId), (_instance, state) => {
    const row = state.storage.sql.exec<{ record: string }>("SELECT record FROM link").one();
    const record = JSON.parse(row.record);
    record.expiresAt = Date.now() - 60_000;
    state.storage.sql.exec("UPDATE link SET record = ?", JSON.stringify(record));
  });
}
