/**
 * Content negotiation for the recipient plane: whether one request gets a page or JSON, read from
 * its Accept header with RFC 9110 weights and specificity.
 */

/**
 * Whether to answer with JSON (or problem+json) rather than a page. Browsers name `text/html`
 * and get pages; API clients that prefer JSON get JSON; the bare any-type wildcard curl sends, or
 * no Accept at all, also gets JSON, because nothing there asked for a page. Ties go to HTML only
 * when `text/html` itself is listed.
 */
export function prefersJson(request: Request): boolean {
  const ranges = parseAccept(request.headers.get("Accept") ?? "");
  if (ranges.length === 0) return true;

  const html = quality(ranges, "text", ["html"]);
  // Both JSON types count as one choice: `application/json;q=0` refuses JSON answers altogether.
  const json = quality(ranges, "application", ["json", "problem+json"]);
  if (json !== html) return json > html;
  return !ranges.some((range) => range.type === "text" && range.subtype === "html" && range.q > 0);
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

const QVALUE = /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/;

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const element of header.split(",")) {
    const [range = "", ...parameters] = element.split(";");
    const [type, subtype, extra] = range.trim().toLowerCase().split("/");
    if (!type || !subtype || extra !== undefined) continue;
    let q = 1;
    for (const parameter of parameters) {
      const [name = "", value = ""] = parameter.split("=");
      if (name.trim().toLowerCase() !== "q") continue;
      // An unreadable weight makes the whole element unreadable; skip it rather than guess.
      q = QVALUE.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    }
    if (!Number.isNaN(q)) ranges.push({ type, subtype, q });
  }
  return ranges;
}

/**
 * The weight of the most specific ranges matching `type/subtype` for any of `subtypes` (RFC 9110
 * §12.5.1): exact types first, then `type/*`, then the any-type wildcard; 0 when none matches.
 */
function quality(ranges: MediaRange[], type: string, subtypes: string[]): number {
  const tiers = [
    ranges.filter((range) => range.type === type && subtypes.includes(range.subtype)),
    ranges.filter((range) => range.type === type && range.subtype === "*"),
    ranges.filter((range) => range.type === "*" && range.subtype === "*"),
  ];
  const matching = tiers.find((tier) => tier.length > 0) ?? [];
  return Math.max(0, ...matching.map((range) => range.q));
}
