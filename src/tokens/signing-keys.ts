/**
 * The signing key set: a JWK set of Ed25519 private keys held in the LINK_SIGNING_KEYS secret.
 * The first key signs new tokens; every key in the set verifies, so a new key can be put first
 * while tokens signed by the old one stay valid, and removing a key retires it.
 */
import { createLocalJWKSet, importJWK, type JWK, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { ApiError } from "../http/problems.ts";

export const TOKEN_ALGORITHM = "EdDSA";

const privateJwkSchema = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  kid: z.string().min(1).max(64),
  x: z.string().min(1),
  d: z.string().min(1),
  alg: z.literal(TOKEN_ALGORITHM).optional(),
});

const keySetSchema = z.object({ keys: z.array(privateJwkSchema).min(1) });

export interface SigningKeys {
  signingKid: string;
  signingKey: CryptoKey;
  verificationKeys: JWTVerifyGetKey;
}

let cached: { secret: string; keys: Promise<SigningKeys> } | undefined;

/** Parses and imports the key set once per isolate; a bad secret is a configuration error. */
export function loadSigningKeys(secret: string): Promise<SigningKeys> {
  if (cached?.secret === secret) return cached.keys;
  const keys = importKeySet(secret);
  cached = { secret, keys };
  keys.catch(() => {
    if (cached?.keys === keys) cached = undefined;
  });
  return keys;
}

async function importKeySet(secret: string): Promise<SigningKeys> {
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    throw new ApiError("misconfigured", "LINK_SIGNING_KEYS is not valid JSON.");
  }
  const parsed = keySetSchema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError("misconfigured", "LINK_SIGNING_KEYS is not a set of Ed25519 private JWKs.");
  }

  const [first] = parsed.data.keys;
  if (!first) throw new ApiError("misconfigured", "LINK_SIGNING_KEYS is empty.");
  const signingKey = (await importJWK(
    { ...first, alg: TOKEN_ALGORITHM },
    TOKEN_ALGORITHM,
  )) as CryptoKey;

  // Only the public halves go into the verification set.
  const publicKeys: JWK[] = parsed.data.keys.map(({ kty, crv, kid, x }) => ({
    kty,
    crv,
    kid,
    x,
    alg: TOKEN_ALGORITHM,
    use: "sig",
  }));
  return {
    signingKid: first.kid,
    signingKey,
    verificationKeys: createLocalJWKSet({ keys: publicKeys }),
  };
}
