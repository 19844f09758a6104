import { env } from "cloudflare:workers";
import { base64url, importJWK, SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids.ts";
import {
  signLinkToken,
  signSessionToken,
  verifyLinkToken,
  verifySessionToken,
} from "../../src/tokens/tokens.ts";

const HOUR = 3600_000;

function futureSecond(offsetMs = HOUR): number {
  return Math.floor((Date.now() + offsetMs) / 1000) * 1000;
}

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split(".")[index] ?? "";
  return JSON.parse(new TextDecoder().decode(base64url.decode(part)));
}

async function signWith(jwkSet: string, header: Record<string, unknown>, claims: object) {
  const [jwk] = JSON.parse(jwkSet).keys;
  const key = await importJWK(jwk, "EdDSA");
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "EdDSA", kid: jwk.kid, ...header })
    .sign(key);
}

describe("link tokens", () => {
  it("carry only the link id and expiry, and name the signing key", async () => {
    const linkId = newId("link");
    const expiresAt = futureSecond();
    const token = await signLinkToken(env.LINK_SIGNING_KEYS, { linkId, expiresAt });

    expect(decodePart(token, 1)).toEqual({ jti: linkId, exp: expiresAt / 1000 });
    expect(decodePart(token, 0)).toEqual({
      alg: "EdDSA",
      kid: "test-current",
      typ: "portcullis-link+jwt",
    });
    expect(await verifyLinkToken(env.LINK_SIGNING_KEYS, token)).toEqual({
      status: "valid",
      claims: { linkId, expiresAt },
    });
  });

  it("link ids carry at least 128 random bits", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId("link")));
    expect(ids.size).toBe(1000);
    const [sample] = ids;
    // 22 base64url characters are 132 bits, of which 128 come from the random bytes.
    expect(sample).toMatch(/^lnk_[A-Za-z0-9_-]{22}$/);
  });

  it("a token past its expiry is reported expired only after its signature verified", async () => {
    const linkId = newId("link");
    const token = await signLinkToken(env.LINK_SIGNING_KEYS, { linkId, expiresAt: futureSecond() });
    const later = new Date(Date.now() + 2 * HOUR);
    expect(await verifyLinkToken(env.LINK_SIGNING_KEYS, token, later)).toMatchObject({
      status: "expired",
      claims: { linkId },
    });

    // The same expired claims under a forged signature are simply invalid.
    const forged = await signWith(
      env.TEST_FOREIGN_KEYS,
      { typ: "portcullis-link+jwt" },
      {
        jti: linkId,
        exp: Math.floor(Date.now() / 1000) - 60,
      },
    );
    expect(await verifyLinkToken(env.LINK_SIGNING_KEYS, forged)).toEqual({ status: "invalid" });
  });

  it("tolerates five seconds of clock skew and no more", async () => {
    const expiresAt = futureSecond(0);
    const token = await signLinkToken(env.LINK_SIGNING_KEYS, { linkId: newId("link"), expiresAt });
    const skewed = (ms: number) => verifyLinkToken(env.LINK_SIGNING_KEYS, token, new Date(ms));
    expect((await skewed(expiresAt + 4_000)).status).toBe("valid");
    expect((await skewed(expiresAt + 6_000)).status).toBe("expired");
  });

  it("a token signed by the previous key in the set still verifies", async () => {
    const { keys } = JSON.parse(env.LINK_SIGNING_KEYS);
    const rotatedOut = JSON.stringify({ keys: [keys[1]] });
    const linkId = newId("link");
    const token = await signLinkToken(rotatedOut, { linkId, expiresAt: futureSecond() });
    expect(decodePart(token, 0).kid).toBe("test-previous");
    expect((await verifyLinkToken(env.LINK_SIGNING_KEYS, token)).status).toBe("valid");
  });

  it("a key removed from the set stops verifying", async () => {
    const { keys } = JSON.parse(env.LINK_SIGNING_KEYS);
    const token = await signLinkToken(env.LINK_SIGNING_KEYS, {
      linkId: newId("link"),
      expiresAt: futureSecond(),
    });
    const retired = JSON.stringify({ keys: [keys[1]] });
    expect(await verifyLinkToken(retired, token)).toEqual({ status: "invalid" });
  });

  describe("rejects", () => {
    const cases: { name: string; make: () => Promise<string> }[] = [
      {
        name: "alg none",
        make: async () => new UnsecuredJWT({ jti: newId("link") }).setExpirationTime("1h").encode(),
      },
      {
        name: "a signature by a key outside the set, even with a known kid",
        make: () =>
          signWith(
            env.TEST_FOREIGN_KEYS,
            { typ: "portcullis-link+jwt" },
            {
              jti: newId("link"),
              exp: Math.floor(Date.now() / 1000) + 3600,
            },
          ),
      },
      {
        name: "a tampered payload",
        make: async () => {
          const token = await signLinkToken(env.LINK_SIGNING_KEYS, {
            linkId: newId("link"),
            expiresAt: futureSecond(),
          });
          const [header, , signature] = token.split(".");
          const payload = base64url.encode(
            JSON.stringify({ jti: newId("link"), exp: Math.floor(Date.now() / 1000) + 3600 }),
          );
          return `${header}.${payload}.${signature}`;
        },
      },
      {
        name: "a tampered signature",
        make: async () => {
          const token = await signLinkToken(env.LINK_SIGNING_KEYS, {
            linkId: newId("link"),
            expiresAt: futureSecond(),
          });
          const last = token.at(-2) === "A" ? "B" : "A";
          return `${token.slice(0, -2)}${last}${token.at(-1)}`;
        },
      },
      {
        name: "a session token presented as a link token",
        make: () =>
          signSessionToken(env.LINK_SIGNING_KEYS, {
            sessionId: newId("session"),
            linkId: newId("link"),
            expiresAt: futureSecond(),
          }),
      },
      {
        name: "a token without jti",
        make: () =>
          signWith(
            env.LINK_SIGNING_KEYS,
            { typ: "portcullis-link+jwt" },
            {
              exp: Math.floor(Date.now() / 1000) + 3600,
            },
          ),
      },
      {
        name: "a token without exp",
        make: () =>
          signWith(env.LINK_SIGNING_KEYS, { typ: "portcullis-link+jwt" }, { jti: newId("link") }),
      },
      {
        name: "a jti that is not a link id",
        make: () =>
          signWith(
            env.LINK_SIGNING_KEYS,
            { typ: "portcullis-link+jwt" },
            {
              jti: "ver_AAAAAAAAAAAAAAAAAAAAAA",
              exp: Math.floor(Date.now() / 1000) + 3600,
            },
          ),
      },
      {
        name: "a signature whose last character differs only in bits decoders ignore",
        make: async () => {
          const token = await signLinkToken(env.LINK_SIGNING_KEYS, {
            linkId: newId("link"),
            expiresAt: futureSecond(),
          });
          // 64 signature bytes leave 2 spare bits in the last of 86 characters: flip one.
          const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
          const last = alphabet.indexOf(token.at(-1) ?? "A");
          return `${token.slice(0, -1)}${alphabet[last ^ 1]}`;
        },
      },
      { name: "garbage", make: async () => "not-a-token" },
      { name: "an oversized string", make: async () => "a".repeat(5000) },
    ];

    it.each(cases)("$name", async ({ make }) => {
      expect(await verifyLinkToken(env.LINK_SIGNING_KEYS, await make())).toEqual({
        status: "invalid",
      });
    });
  });
});

describe("session tokens", () => {
  it("round-trip their session and link ids", async () => {
    const claims = {
      sessionId: newId("session"),
      linkId: newId("link"),
      expiresAt: futureSecond(),
    };
    const token = await signSessionToken(env.LINK_SIGNING_KEYS, claims);
    expect(await verifySessionToken(env.LINK_SIGNING_KEYS, token)).toEqual({
      status: "valid",
      claims,
    });
  });

  it("a link token is never accepted as a session token", async () => {
    const token = await signLinkToken(env.LINK_SIGNING_KEYS, {
      linkId: newId("link"),
      expiresAt: futureSecond(),
    });
    expect(await verifySessionToken(env.LINK_SIGNING_KEYS, token)).toEqual({ status: "invalid" });
  });
});
