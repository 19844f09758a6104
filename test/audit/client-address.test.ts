/**
 * What the audit records as the client's address: the one address Cloudflare's edge reports in
 * CF-Connecting-IP, and nothing when the header holds anything else.
 */
import { describe, expect, it } from "vitest";
import { call, flushAudit, issue, publish, seedTenant, utf8 } from "../support/harness.ts";
import { exportLines } from "./chain-fixtures.ts";

describe("the client address in audit events", () => {
  it("records a single address, and none for a list, a name or an oversized header", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });
    const link = await issue(tenant, version.versionId);
    const headers = [
      "203.0.113.7",
      "2001:DB8::1",
      "1.2.3.4, 5.6.7.8",
      "gateway.test",
      "9".repeat(5000),
    ];
    for (const address of headers) {
      await call(link.path, { headers: { Accept: "text/html", "CF-Connecting-IP": address } });
    }
    await flushAudit(link.id);

    const views = (await exportLines(tenant))
      .map((line) => JSON.parse(line) as { action: string; clientIp: string | null })
      .filter((event) => event.action === "link.viewed");
    expect(views.map((event) => event.clientIp)).toEqual([
      "203.0.113.7",
      "2001:db8::1",
      null,
      null,
      null,
    ]);
  });
});
