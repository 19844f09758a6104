/**
 * Identifiers. Every id is a short type prefix and 128 random bits in base64url, so ids are
 * unguessable, opaque (they name nothing) and safe in URLs and R2 keys.
 */
const ID_PREFIXES = {
  tenant: "ten",
  apiKey: "key",
  object: "obj",
  version: "ver",
  link: "lnk",
  bundle: "bdl",
  session: "ses",
  event: "evt",
  request: "req",
  webhook: "whk",
  delivery: "wdl",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export function randomBase64Url(byteLength: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(byteLength));
  return base64UrlEncode(bytes);
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomBase64Url(16)}`;
}

/** Matches an id of the given kind: its prefix and exactly 22 base64url characters. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[A-Za-z0-9_-]{22}$`);
}
