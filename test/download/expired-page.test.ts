/**
 * The page a browser gets for an expired link, through the real routes and LinkGuard. It lives
 * here rather than in the browser suite (test/node/browser) because a link lasts at least 60
 * seconds and only inside workerd can a test move the clock past its expiry.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, call, issue, publish, seedTenant, utf8 } from "../support/harness.ts";

const BROWSER = { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

async function expiredLink() {
  const tenant = await seedTenant();
  const version = await publish(tenant, utf8("short-lived"), { class: "internal" });
  const link = await issue(tenant, version.versionId, { ttlSeconds: 60 });
  // Only Date moves: the token's exp and LinkGuard's record are both checked against it.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.parse(link.expiresAt) + 1000);
  return { tenant, link };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("an expired link in a browser", () => {
  it("opens a readable 410 page: expired, ask the sender for a new one, no Download", async () => {
    const { link } = await expiredLink();

    const response = await call(link.path, { headers: BROWSER });

    expect(response.status).toBe(410);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(response.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain("This link has expired");
    expect(html).toContain("Ask the person who sent you the link for a new one.");
    expect(html).not.toContain("<button");
  });

  it("confirming it anyway gets the same explanation as a page, and spends nothing", async () => {
    const { tenant, link } = await expiredLink();

    const response = await call(link.path, { method: "POST", headers: BROWSER });

    expect(response.status).toBe(410);
    const html = await response.text();
    expect(html).toContain("This link has expired");
    expect(html).toContain("Ask the person who sent you the link for a new one.");
    const state = await api(tenant, `/links/${link.id}`);
    expect(await state.json()).toMatchObject({ status: "expired", usesSpent: 0 });
  });
});
