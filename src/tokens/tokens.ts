/**
 * Link and session tokens: compact JWS signed with the tenant-independent key set.
 *
 * A link token carries only the link id (`jti`) and its expiry (`exp`), so a URL names no file,
 * tenant or person. A session token, handed out after a confirmation, carries the session id
 * (`jti`), its link (`sub`) and the end of its grace window. The `typ` header keeps the two apart:
 * one can never be presented as the other. Verification pins the algorithm and the claims, and runs
 * before any Durable Object or D1 access.
 */
import { base64url, errors, jwtVerify, SignJWT } from "jose";
import { idPattern } from "../ids.ts";
import { loadSigningKeys, TOKEN_ALGORITHM } from "./signing-keys.ts";

const LINK_TYP = "portcullis-link+jwt";
const SESSION_TYP = "portcullis-session+jwt";
/** Tolerated clock skew between edge locations, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 5;
/** Longest string treated as a candidate token; anything longer is rejected unparsed. */
const MAX_TOKEN_LENGTH = 1024;

export type TokenCheck<T> =
  | { status: "valid"; claims: T }
  /** Signature verified, but `exp` has passed: the holder had a real token. */
  | { status: "expired"; claims: T }
  | { status: "invalid" };

export interface LinkClaims {
  linkId: string;
  expiresAt: number;
}

export interface SessionClaims {
  sessionId: string;
  linkId: string;
  expiresAt: number;
}

async function sign(
  secret: string,
  typ: string,
  claims: { jti: string; sub?: string; exp: number },
): Promise<string> {
  const keys = await loadSigningKeys(secret);
  const jwt = new SignJWT(claims.sub ? { sub: claims.sub } : {})
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: keys.signingKid, typ })
    .setJti(claims.jti)
    .setExpirationTime(Math.floor(claims.exp / 1000));
  return jwt.sign(keys.signingKey);
}

export function signLinkToken(secret: string, claims: LinkClaims): Promise<string> {
  return sign(secret, LINK_TYP, { jti: claims.linkId, exp: claims.expiresAt });
}

export function signSessionToken(secret: string, claims: SessionClaims): Promise<string> {
  return sign(secret, SESSION_TYP, {
    jti: claims.sessionId,
    sub: claims.linkId,
    exp: claims.expiresAt,
  });
}

/**
 * Whether every part of the compact JWS is canonical base64url. A last character can carry spare
 * bits that decoders ignore, which would give one link several valid URLs; only the form we
 * issue is accepted, so a URL is the link's one and only spelling.
 */
function isCanonical(token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  try {
    return parts.every((part) => base64url.encode(base64url.decode(part)) === part);
  } catch {
    return false;
  }
}

interface VerifiedPayload {
  jti: string;
  sub?: string;
  exp: number;
}

async function verify(
  secret: string,
  token: string,
  typ: string,
  now: Date,
): Promise<TokenCheck<VerifiedPayload>> {
  if (token.length > MAX_TOKEN_LENGTH || !isCanonical(token)) return { status: "invalid" };
  const keys = await loadSigningKeys(secret);
  try {
    const { payload } = await jwtVerify(token, keys.verificationKeys, {
      algorithms: [TOKEN_ALGORITHM],
      typ,
      requiredClaims: ["exp", "jti"],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now,
    });
    return { status: "valid", claims: payload as VerifiedPayload };
  } catch (error) {
    // jose checks claims only after the signature, so an expired token is an authentic one.
    if (error instanceof errors.JWTExpired) {
      return { status: "expired", claims: error.payload as VerifiedPayload };
    }
    return { status: "invalid" };
  }
}

export async function verifyLinkToken(
  secret: string,
  token: string,
  now = new Date(),
): Promise<TokenCheck<LinkClaims>> {
  const checked = await verify(secret, token, LINK_TYP, now);
  if (checked.status === "invalid" || !idPattern("link").test(checked.claims.jti)) {
    return { status: "invalid" };
  }
  return {
    status: checked.status,
    claims: { linkId: checked.claims.jti, expiresAt: checked.claims.exp * 1000 },
  };
}

export async function verifySessionToken(
  secret: string,
  token: string,
  now = new Date(),
): Promise<TokenCheck<SessionClaims>> {
  const checked = await verify(secret, token, SESSION_TYP, now);
  if (
    checked.status === "invalid" ||
    !idPattern("session").test(checked.claims.jti) ||
    !idPattern("link").test(checked.claims.sub ?? "")
  ) {
    return { status: "invalid" };
  }
  return {
    status: checked.status,
    claims: {
      sessionId: checked.claims.jti,
      linkId: checked.claims.sub ?? "",
      expiresAt: checked.claims.exp * 1000,
    },
  };
}
