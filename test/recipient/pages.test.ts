import { describe, expect, it } from "vitest";
import type { DenialCode, LinkState, LinkView } from "../../src/links/model.ts";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import { type RecipientPageCode, recipientMessage } from "../../src/recipient/messages.ts";
import { newNonce, pageHeaders, renderDenial, renderLanding } from "../../src/recipient/pages.tsx";

const NOW = Date.UTC(2026, 11, 3, 16, 30, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NONCE = "dGVzdC1ub25jZS0xMjM0NQ==";
const SHA256 = "912744b8ba86c89ab44f383ff4d1216e7b83fa0eb82515500243df4d43726e23";
const CONFIRM = "/d/eyJhbGciOiJFZERTQSJ9.e30.c2ln";

interface ViewOverrides {
  file?: object;
  state?: Partial<LinkState>;
  denial?: DenialCode | null;
}

function linkView(overrides: ViewOverrides = {}): LinkView {
  const expiresAt = NOW + 3 * HOUR;
  return {
    state: {
      linkId: "lnk_test",
      status: "active",
      usesSpent: 0,
      maxUses: 1,
      usesLeft: 1,
      expiresAt,
      revokedAt: null,
      openSessions: 0,
      approval: {
        status: "approved",
        decidedBy: "dr.approver",
        decidedAt: NOW - HOUR,
        expiresAt: NOW,
      },
      ...overrides.state,
    },
    record: {
      linkId: "lnk_test",
      tenantId: "ten_test",
      class: "patient-linked",
      maxUses: 1,
      issuedAt: NOW - HOUR,
      expiresAt,
      issuedBy: "key_test",
      recipient: { email: "dr.who@example.org", subjectId: null, group: null },
      constraints: {},
      policy: {
        sessionGraceSeconds: 1800,
        retriesAfterLapse: 0,
        approvalRequired: true,
        approvalExpiresAt: NOW,
        summary: BUILT_IN_POLICY["patient-linked"].summary,
      },
      file: {
        versionId: "ver_test",
        objectName: "readmission-risk-ward-4",
        versionNumber: 7,
        storageKey: "t/ten_test/v/ver_test",
        filename: "Übersicht_Kardiologie_2024 – März.csv",
        contentType: "text/csv",
        size: 12_400_512,
        sha256: SHA256,
        modelVersion: "lace-2.1",
        trainingWindow: "2023-01-01/2023-12-31",
        recipientGroup: "cardiology-analytics",
        publishedAt: Date.UTC(2026, 11, 3, 9, 5, 0),
        ...overrides.file,
      },
    },
    denial: overrides.denial ?? null,
  };
}

function landing(view = linkView()): string {
  return renderLanding(view, { confirmAction: CONFIRM, nonce: NONCE, now: NOW });
}

/** The visible text of a page, tags dropped and whitespace collapsed, for wording assertions. */
function text(html: string): string {
  const body = html.replace(/<(style|script)\b[^>]*>[\s\S]*?<\/\1>/g, "");
  return body
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, " ");
}

/** Checks every page must pass: generic, private, self-contained, accessible basics. */
function expectSafeDocument(html: string): void {
  expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
  expect(html).toContain("<title>Secure download — Portcullis</title>");
  expect(html).toContain('<meta name="robots" content="noindex, nofollow"/>');
  expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
  expect(html).not.toMatch(/property="og:|name="twitter:|name="description"/);
  // Nothing loads from anywhere else: no absolute URLs in src or href.
  expect(html).not.toMatch(/\b(src|href|action)="(https?:)?\/\//);
  expect(html.match(/<style\b/g)).toHaveLength(1);
  expect(html).toContain(`<style nonce="${NONCE}">`);
  for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${NONCE}"`);
}

describe("renderLanding", () => {
  it("is a generic, unindexed, self-contained page with a nonce'd style", () => {
    expectSafeDocument(landing());
  });

  it("says what the file is: name, size in units and bytes, type, export and version", () => {
    const page = text(landing());
    expect(page).toContain("Übersicht_Kardiologie_2024 – März.csv");
    expect(page).toContain("12.4 MB (12,400,512 bytes)");
    expect(page).toContain("text/csv");
    expect(page).toContain("readmission-risk-ward-4 , version 7");
  });

  it("gives the model version, training window, intended group and publish time", () => {
    const page = text(landing());
    expect(page).toContain("lace-2.1");
    expect(page).toContain("2023-01-01/2023-12-31");
    expect(page).toContain("cardiology-analytics");
    expect(page).toContain("Thu 3 Dec 2026, 09:05 UTC");
  });

  it("says 'Not stated' for context the publisher left out", () => {
    const page = text(
      landing(linkView({ file: { modelVersion: null, trainingWindow: null, recipientGroup: "" } })),
    );
    expect(page.match(/Not stated/g)).toHaveLength(3);
  });

  it("shows the sha256 so the recipient can verify the download", () => {
    expect(landing()).toContain(`<code class="digest">${SHA256}</code>`);
  });

  it("says when the link expires, in UTC and relative, readable without JavaScript", () => {
    const html = landing();
    expect(html).toContain('<time datetime="2026-12-03T19:30:00.000Z" data-local="">');
    expect(text(html)).toContain("Link expires Thu 3 Dec 2026, 19:30 UTC (in 3 hours)");
  });

  it("shows uses left of the maximum", () => {
    expect(text(landing())).toContain("Downloads left 1 of 1");
  });

  it("shows the class's plain-language policy sentence and its label", () => {
    const page = text(landing());
    expect(page).toContain(BUILT_IN_POLICY["patient-linked"].summary);
    expect(page).toContain("Patient-linked");
  });

  it("never shows the recipient's email address", () => {
    expect(landing()).not.toContain("dr.who@example.org");
  });

  it("downloads through a POST form to the confirm action, which works without JavaScript", () => {
    const html = landing();
    expect(html).toContain(`<form method="post" action="${CONFIRM}" class="confirm">`);
    expect(html).toContain('<button type="submit" aria-describedby="confirm-note">');
    expect(text(html)).toContain("This is the last download the link allows.");
    expect(text(html)).toContain("resume it for 30 minutes");
  });

  it("says how many uses the download spends when several are left", () => {
    const page = text(landing(linkView({ state: { usesSpent: 1, maxUses: 5, usesLeft: 4 } })));
    expect(page).toContain("Downloads left 4 of 5");
    expect(page).toContain("Downloading uses 1 of the 4 downloads left.");
  });

  it("escapes a hostile filename everywhere it appears", () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>.csv';
    const html = landing(linkView({ file: { filename: hostile } }));
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("escapes hostile context fields and a hostile confirm action", () => {
    const html = renderLanding(
      linkView({ file: { modelVersion: "</code><b>x</b>", contentType: 'text/csv"><i>' } }),
      { confirmAction: '/d/x" onsubmit="alert(1)', nonce: NONCE, now: NOW },
    );
    expect(html).not.toMatch(/<b>|<i>|onsubmit="alert/);
    expect(html).toContain('action="/d/x&quot; onsubmit=&quot;alert(1)"');
  });

  it("isolates the file name's text direction so bidi tricks cannot reorder the page", () => {
    const html = landing(linkView({ file: { filename: "invoice\u202Etxt.exe" } }));
    expect(html).toContain("<bdi>invoice\u202Etxt.exe</bdi>");
  });

  it.each<DenialCode>([
    "link_expired",
    "link_revoked",
    "link_used_up",
    "identity_required",
    "session_ended",
    "token_invalid",
  ])("with denial %s shows its explanation instead of the button", (code) => {
    const html = landing(linkView({ denial: code }));
    const message = recipientMessage(code);
    expect(html).not.toContain("<form");
    expect(html).not.toContain("<button");
    expect(text(html)).toContain(message.title);
    expect(text(html)).toContain(message.explanation);
    expect(text(html)).toContain(message.nextStep);
    // The same words as the denial page for that code.
    expect(text(renderDenial(code, { nonce: NONCE }))).toContain(message.explanation);
  });

  it("says a link past its expiry expired, and how long ago", () => {
    const html = renderLanding(linkView({ denial: "link_expired" }), {
      confirmAction: CONFIRM,
      nonce: NONCE,
      now: NOW + 5 * HOUR,
    });
    expect(text(html)).toContain("Link expired Thu 3 Dec 2026, 19:30 UTC (2 hours ago)");
  });

  it("refuses a nonce that could break out of the CSP or an attribute", () => {
    for (const nonce of ["", "short", `${NONCE}'; script-src *`, `${NONCE}" onload="x`]) {
      expect(() => renderLanding(linkView(), { confirmAction: CONFIRM, nonce, now: NOW })).toThrow(
        TypeError,
      );
    }
  });
});

describe("renderDenial", () => {
  const cases: { code: RecipientPageCode; says: string }[] = [
    { code: "link_expired", says: "This link has expired" },
    { code: "link_revoked", says: "This link has been withdrawn" },
    { code: "link_used_up", says: "This link has been used up" },
    { code: "identity_required", says: "This link is for a named recipient" },
    { code: "session_ended", says: "This download has timed out" },
    { code: "token_invalid", says: "This link is not valid" },
  ];

  it.each(cases)("$code: says what happened and to ask the sender for a new link", (entry) => {
    const html = renderDenial(entry.code, { nonce: NONCE });
    expectSafeDocument(html);
    expect(html).toContain(`<h1 id="denial-title">${entry.says}</h1>`);
    expect(text(html)).toContain("What to do next");
    expect(text(html)).toMatch(/ask the person who sent you the link .*new/i);
  });

  it("token_invalid and not_found are the same page, so nothing tells a link exists", () => {
    expect(renderDenial("not_found", { nonce: NONCE })).toBe(
      renderDenial("token_invalid", { nonce: NONCE }),
    );
  });

  it("token_invalid names no link, file, class or code", () => {
    const page = text(renderDenial("token_invalid", { nonce: NONCE })).toLowerCase();
    for (const word of ["expired", "revoked", "used up", "token_invalid", "exists", "file name"]) {
      expect(page).not.toContain(word);
    }
  });

  it("runs no script and needs none", () => {
    expect(renderDenial("link_expired", { nonce: NONCE })).not.toContain("<script");
  });

  it("shows the request id as a support reference when given, escaped", () => {
    const html = renderDenial("internal_error", { nonce: NONCE, requestId: "req_<b>1</b>" });
    expect(html).toContain("<code>req_&lt;b&gt;1&lt;/b&gt;</code>");
  });

  it("an outage says the storage could not be reached and to try again", () => {
    const page = text(renderDenial("storage_unavailable", { nonce: NONCE }));
    expect(page).toContain("could not reach the storage");
    expect(page).toContain("Try again in a few minutes.");
  });
});

describe("pageHeaders and newNonce", () => {
  it("send the strict CSP with the page's nonce, no framing, no indexing, no referrer", () => {
    expect(pageHeaders(NONCE)).toEqual({
      "Content-Security-Policy":
        `default-src 'none'; style-src 'nonce-${NONCE}'; script-src 'nonce-${NONCE}'; ` +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; img-src data:",
      "X-Robots-Tag": "noindex, nofollow",
      "X-Frame-Options": "DENY",
      "Referrer-Policy": "no-referrer",
    });
  });

  it("nonces are 128 random bits in base64, fresh every time, and accepted", () => {
    const nonces = new Set(Array.from({ length: 200 }, newNonce));
    expect(nonces.size).toBe(200);
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(() => pageHeaders(nonce)).not.toThrow();
    }
  });

  it("the landing page's style and script carry exactly the nonce the CSP allows", () => {
    const nonce = newNonce();
    const html = renderLanding(linkView(), { confirmAction: CONFIRM, nonce, now: NOW });
    const allowed = pageHeaders(nonce)["Content-Security-Policy"];
    for (const [, used] of html.matchAll(/<(?:style|script) nonce="([^"]+)"/g)) {
      expect(allowed).toContain(`'nonce-${used}'`);
    }
    expect(html.match(/<(?:style|script) nonce=/g)).toHaveLength(2);
  });
});
