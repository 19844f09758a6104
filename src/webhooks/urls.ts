/**
 * Which URLs may receive webhooks. Deliveries leave the gateway carrying audit events, so the
 * rules are strict: HTTPS only, no credentials in the URL (they would sit in D1 and in every
 * listing), and in production no address literal outside the public unicast space, so an endpoint
 * cannot aim the gateway at loopback, private or link-local services. During development plain
 * HTTP is allowed to loopback receivers, which is what local tests and `wrangler dev` need.
 *
 * Host names are not resolved here: a public name that resolves to a private address is stopped
 * by the Workers runtime, which cannot reach private networks.
 */
import ipaddr from "ipaddr.js";

export const MAX_URL_LENGTH = 2048;

export type UrlRefusal = "url_invalid" | "url_scheme" | "url_credentials" | "url_private_address";

export class WebhookUrlError extends Error {
  readonly reason: UrlRefusal;

  constructor(reason: UrlRefusal, message: string) {
    super(message);
    this.name = "WebhookUrlError";
    this.reason = reason;
  }
}

/** The address a host names literally, or null for a DNS name. */
function addressLiteral(hostname: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = hostname.replace(/^\[(.*)\]$/, "$1");
  // process() turns IPv4-mapped IPv6 (::ffff:10.0.0.1) into the IPv4 address it carries.
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : null;
}

/** The host without the trailing dot(s) of a fully qualified name: `localhost.` is localhost. */
function hostOf(url: URL): string {
  return url.hostname.replace(/\.+$/, "");
}

function isLoopback(hostname: string): boolean {
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return true;
  return addressLiteral(hostname)?.range() === "loopback";
}

/**
 * Whether an address literal is outside the public unicast space. ipaddr.js calls the deprecated
 * IPv4-compatible IPv6 block (::a.b.c.d, inside ::/8) unicast, but such an address embeds an IPv4
 * one, loopback included, so the whole of ::/8 counts as reserved here.
 */
function isNonPublic(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).parts[0] === 0) return true;
  return address.range() !== "unicast";
}

/** The URL as it will be stored, or a WebhookUrlError saying which rule it breaks. */
export function checkWebhookUrl(text: string, environment: string): string {
  if (text.length > MAX_URL_LENGTH || !URL.canParse(text)) {
    throw new WebhookUrlError("url_invalid", "Give an absolute https:// URL.");
  }
  const url = new URL(text);
  if (url.username || url.password) {
    throw new WebhookUrlError(
      "url_credentials",
      "The URL must not hold a user name or password; receivers verify the signature instead.",
    );
  }

  const development = environment === "development";
  const host = hostOf(url);
  if (url.protocol === "http:" && !(development && isLoopback(host))) {
    throw new WebhookUrlError(
      "url_scheme",
      development
        ? "Use https://; plain http:// is allowed only to loopback during development."
        : "Use https://.",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new WebhookUrlError("url_scheme", "Use https://.");
  }

  if (!development) {
    const address = addressLiteral(host);
    if (isLoopback(host) || (address && isNonPublic(address))) {
      throw new WebhookUrlError(
        "url_private_address",
        "The URL names a loopback, private, link-local or reserved address; use a public host.",
      );
    }
  }
  return url.href;
}
