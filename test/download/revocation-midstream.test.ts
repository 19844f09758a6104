import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  api,
  call,
  confirmAndGetSessionPath,
  flushAudit,
  issue,
  publish,
  seedTenant,
} from "../support/harness.ts";

describe("revoking a link during a download", () => {
  it("breaks off a download already streaming, before its end", async () => {
    const tenant = await seedTenant();
    const bytes = new Uint8Array(env.SAMPLE_HRRP_CSV);
    const version = await publish(tenant, bytes, { class: "restricted" });
    const link = await issue(tenant, version.versionId, { maxUses: 1 });
    const response = await call(await confirmAndGetSessionPath(link.path));
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("the download has no body");

    let received = 0;
    while (received < 64 * 1024) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error("the body ended before 64 KiB");
      received += chunk.value.byteLength;
    }
    const revoked = await api(tenant, `/links/${link.id}/revoke`, { method: "POST" });
    expect(revoked.status).toBe(200);

    let broken = false;
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        received += chunk.value.byteLength;
      }
    } catch {
      broken = true;
    }
    expect(broken).toBe(true);
    // The check runs at least every megabyte, so the rest of the 2 MB file never went out.
    expect(received).toBeLessThan(bytes.byteLength);

    await flushAudit(link.id);
    const audit = await api(tenant, `/audit?linkId=${link.id}&action=download.completed`);
    expect((await audit.json<{ events: unknown[] }>()).events).toEqual([]);
  });
});
