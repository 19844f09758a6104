/** The landing page of a bundle link (`renderLanding` with a bundle), rendered on its own. */
import { describe, expect, it } from "vitest";
import type { BundleMember, LinkView } from "../../src/links/model.ts";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import { renderLanding } from "../../src/recipient/pages.tsx";

const NOW = Date.UTC(2026, 11, 3, 16, 30, 0);
const NONCE = "dGVzdC1ub25jZS0xMjM0NQ==";
const ETAG_SEED = "ab".repeat(32);

function member(filename: string, size: number, digit: string): BundleMember {
  return { versionId: "ver_x", storageKey: "k", filename, size, sha256: digit.repeat(64) };
}

function bundleView(members: BundleMember[]): LinkView {
  return {
    state: {
      linkId: "lnk_test",
      status: "active",
      usesSpent: 0,
      maxUses: 1,
      usesLeft: 1,
      expiresAt: NOW + 3_600_000,
      revokedAt: null,
      openSessions: 0,
      approval: { status: "not_required", decidedBy: null, decidedAt: null, expiresAt: null },
    },
    record: {
      linkId: "lnk_test",
      tenantId: "ten_test",
      class: "restricted",
      maxUses: 1,
      issuedAt: NOW,
      expiresAt: NOW + 3_600_000,
      issuedBy: "svc",
      recipient: null,
      constraints: {},
      policy: {
        sessionGraceSeconds: 1800,
        retriesAfterLapse: 1,
        approvalRequired: false,
        approvalExpiresAt: null,
        summary: BUILT_IN_POLICY.restricted.summary,
      },
      file: {
        versionId: null,
        objectName: "ward-4-pack",
        versionNumber: null,
        storageKey: "",
        filename: "ward-4-pack.zip",
        contentType: "application/zip",
        size: 2_436_743,
        sha256: ETAG_SEED,
        modelVersion: null,
        trainingWindow: null,
        recipientGroup: null,
        publishedAt: Date.UTC(2026, 11, 3, 9, 5, 0),
      },
      bundle: { bundleId: "bdl_test", lastModified: NOW, members },
    },
    denial: null,
  };
}

function landing(members: BundleMember[]): string {
  return renderLanding(bundleView(members), { confirmAction: "/d/t", nonce: NONCE, now: NOW });
}

describe("the landing page of a bundle", () => {
  it("lists every member with its size and sha256, in ZIP order", () => {
    const html = landing([member("risk.csv", 2_119_559, "1"), member("card.md", 6541, "2")]);

    expect(html).toContain("ZIP of 2 files");
    expect(html.indexOf("risk.csv")).toBeLessThan(html.indexOf("card.md"));
    expect(html).toContain("2.1 MB (2,119,559 bytes)");
    expect(html).toContain(`<code class="digest">${"1".repeat(64)}</code>`);
    expect(html).toContain(`<code class="digest">${"2".repeat(64)}</code>`);
  });

  it("never shows the ETag seed as if it were the ZIP's sha256", () => {
    const html = landing([member("risk.csv", 10, "1")]);

    expect(html).not.toContain(ETAG_SEED);
    expect(html).toContain("no SHA-256 of the ZIP itself");
    expect(html).toContain("sha256sum -c MANIFEST.sha256");
  });

  it("escapes a hostile member name and isolates its text direction", () => {
    const html = landing([member('<img src=x onerror="alert(1)">\u202Egpj.exe', 10, "1")]);

    expect(html).not.toContain("<img");
    expect(html).toContain(
      "<bdi>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;\u202Egpj.exe</bdi>",
    );
  });

  it("offers to download the ZIP", () => {
    expect(landing([member("a.csv", 1, "1")])).toContain("Download ZIP");
  });
});
