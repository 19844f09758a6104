/**
 * The recipient plane.
 *
 * - `GET|HEAD /d/{token}`: the landing page (or JSON). Looks, never spends a use: mail scanners
 *   and chat previews fetch every URL they see.
 * - `POST /d/{token}`: the explicit confirmation. LinkGuard spends one use and opens a download
 *   session; the answer is `303 See Other` to the session URL, so a browser form and
 *   `curl -fL -d '' URL` both end up downloading.
 * - `GET|HEAD /s/{token}`: the bytes, whole or ranged, for as long as the session lasts.
 *
 * Tokens are verified before LinkGuard or D1 is touched; an invalid token gets the same answer
 * whether or not its link exists.
 */
import type { Context, Hono } from "hono";
import { recipientOrigin } from "../audit/origin.ts";
import { MANIFEST_NAME } from "../bundles/names.ts";
import type { HonoEnv } from "../env.ts";
import { linkGuard } from "../links/guard-client.ts";
import type { LinkView } from "../links/model.ts";
import { signSessionToken, verifyLinkToken } from "../tokens/tokens.ts";
import { auditInvalidToken, denial } from "./answers.ts";
import { prefersJson } from "./negotiation.ts";
import { newNonce, pageHeaders, renderLanding } from "./pages.tsx";
import { serveSession } from "./session.ts";

type RecipientContext = Context<HonoEnv>;

async function verifiedLinkId(c: RecipientContext): Promise<string | null> {
  const token = c.req.param("token") ?? "";
  const checked = await verifyLinkToken(c.get("settings").LINK_SIGNING_KEYS, token);
  // An expired but authentic token still goes to LinkGuard, which records the denial and
  // answers link_expired; only a forged or malformed token stops here.
  if (checked.status === "invalid") return null;
  return checked.claims.linkId;
}

/**
 * The landing page as JSON. A bundle's `file` describes its ZIP with `sha256: null`, since no
 * digest of the ZIP as a whole is known before it is generated; `bundle.members` lists each
 * member's own digest, as the ZIP's `MANIFEST.sha256` does.
 */
function landingJson(view: LinkView) {
  const { record, state } = view;
  const { bundle } = record;
  return {
    status: state.status,
    denial: view.denial,
    expiresAt: new Date(state.expiresAt).toISOString(),
    usesLeft: state.usesLeft,
    maxUses: state.maxUses,
    class: record.class,
    policy: record.policy.summary,
    file: {
      filename: record.file.filename,
      contentType: record.file.contentType,
      size: record.file.size,
      sha256: bundle ? null : record.file.sha256,
      objectName: record.file.objectName,
      versionNumber: record.file.versionNumber,
      modelVersion: record.file.modelVersion,
      trainingWindow: record.file.trainingWindow,
      recipientGroup: record.file.recipientGroup,
      publishedAt: new Date(record.file.publishedAt).toISOString(),
    },
    ...(bundle
      ? {
          bundle: {
            manifest: MANIFEST_NAME,
            members: bundle.members.map(({ filename, size, sha256 }) => ({
              filename,
              size,
              sha256,
            })),
          },
        }
      : {}),
  };
}

export function registerRecipientRoutes(app: Hono<HonoEnv>): void {
  app.get("/d/:token", async (c) => {
    const linkId = await verifiedLinkId(c);
    if (!linkId) {
      auditInvalidToken(c, "link");
      return denial(c, "token_invalid");
    }

    const view = await linkGuard(c.env, linkId).view(recipientOrigin(c));
    if (!view) return denial(c, "token_invalid");

    // A link that would refuse this reader shows what happened and nothing about the file: its
    // name alone can be sensitive, and a revoked link's reader may be the wrong recipient.
    if (view.denial) return denial(c, view.denial);
    if (prefersJson(c.req.raw)) return c.json(landingJson(view), 200);

    const nonce = newNonce();
    const headers = new Headers(pageHeaders(nonce));
    headers.set("Content-Type", "text/html; charset=utf-8");
    const html = renderLanding(view, { confirmAction: c.req.path, nonce, now: Date.now() });
    return new Response(html, { status: 200, headers });
  });

  app.post("/d/:token", async (c) => {
    const linkId = await verifiedLinkId(c);
    if (!linkId) {
      auditInvalidToken(c, "link");
      return denial(c, "token_invalid");
    }

    const result = await linkGuard(c.env, linkId).confirm(recipientOrigin(c));
    if (!result) return denial(c, "token_invalid");
    if (!result.allowed) return denial(c, result.code);

    const sessionToken = await signSessionToken(c.get("settings").LINK_SIGNING_KEYS, {
      sessionId: result.sessionId,
      linkId,
      expiresAt: result.sessionExpiresAt,
    });
    const sessionUrl = `/s/${sessionToken}`;
    return c.json({ sessionUrl, expiresAt: new Date(result.sessionExpiresAt).toISOString() }, 303, {
      Location: sessionUrl,
    });
  });

  app.get("/s/:token", serveSession);

  // OPTIONS answers what a path allows and touches nothing: no token check, no LinkGuard call.
  // Cross-origin use is not offered, so there are no CORS headers to grant.
  const allow = (methods: string) => () =>
    new Response(null, { status: 204, headers: { Allow: methods } });
  app.options("/d/:token", allow("GET, HEAD, POST, OPTIONS"));
  app.options("/s/:token", allow("GET, HEAD, OPTIONS"));
}
