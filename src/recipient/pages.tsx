/** @jsxImportSource hono/jsx */
/**
 * The recipient's pages: the landing page a link opens (what the file is, how long the link lasts,
 * a button that spends a use) and the page for every denial, plus their security headers and the
 * choice between HTML and JSON for one request.
 *
 * The pages are complete without JavaScript and load nothing from anywhere: one nonce'd style, one
 * optional nonce'd script that only shows times in the reader's zone and stops double submits.
 */
import type { DenialCode, LinkView } from "../links/model.ts";
import type { SensitivityClass } from "../policy/classes.ts";

const TITLE = "Secure download — Portcullis";
const NONCE = /^[A-Za-z0-9+/_-]{16,128}={0,2}$/;

/** Every code a recipient page can explain. `not_found` reads exactly like `token_invalid`. */
export type RecipientPageCode = DenialCode | "not_found" | "storage_unavailable" | "internal_error";

export interface RecipientMessage {
  title: string;
  explanation: string;
  nextStep: string;
}

const ASK_SENDER = "Ask the person who sent you the link for a new one.";
const TRY_LATER =
  "Try again in a few minutes. If it keeps happening, tell the person who sent you the link.";

/** An unknown link and a bad token say the same thing, so a page never confirms a link exists. */
const INVALID_LINK: RecipientMessage = {
  title: "This link is not valid",
  explanation:
    "The address may be incomplete or mistyped, or the link is no longer accepted. Check that " +
    "you opened the whole link from the message you received.",
  nextStep: "If it still does not work, ask the person who sent you the link for a new one.",
};

const MESSAGES: Record<RecipientPageCode, RecipientMessage> = {
  link_expired: {
    title: "This link has expired",
    explanation: "Links to sensitive files work only for a short time, and this one's time is up.",
    nextStep: ASK_SENDER,
  },
  link_revoked: {
    title: "This link has been withdrawn",
    explanation:
      "The sender or an administrator revoked this link, so it no longer gives access to the file.",
    nextStep: "If you still need the file, ask the person who sent you the link for a new one.",
  },
  link_used_up: {
    title: "This link has been used up",
    explanation:
      "The link allowed a set number of downloads, and all of them have been used. If you " +
      "downloaded the file earlier, look for it in your downloads folder.",
    nextStep: "If you need it again, ask the person who sent you the link for a new one.",
  },
  identity_required: {
    title: "This link is for a named recipient",
    explanation:
      "The file may only be downloaded by the person the link was issued to, and we could not " +
      "confirm that this is you.",
    nextStep:
      "Ask the person who sent you the link to check who it was issued to, or to send you a " +
      "new one.",
  },
  session_ended: {
    title: "This download has timed out",
    explanation:
      "After you choose Download, there is a short window to fetch or resume the file. That " +
      "window has closed.",
    nextStep:
      "Open the original link again: if it has downloads left, you can start a new download. " +
      "Otherwise, ask the person who sent you the link for a new one.",
  },
  token_invalid: INVALID_LINK,
  not_found: INVALID_LINK,
  storage_unavailable: {
    title: "The file is briefly unavailable",
    explanation: "We could not reach the storage that holds this file just now.",
    nextStep: TRY_LATER,
  },
  internal_error: {
    title: "Something went wrong",
    explanation: "We could not complete this request.",
    nextStep: TRY_LATER,
  },
};

/** The words a recipient reads for a code: the same on the page, the landing notice and in JSON. */
export function recipientMessage(code: RecipientPageCode): RecipientMessage {
  return MESSAGES[code];
}

const CLASS_LABELS: Record<SensitivityClass, string> = {
  public: "Public",
  internal: "Internal",
  restricted: "Restricted",
  "patient-linked": "Patient-linked",
};

export interface LandingOptions {
  /** Where the Download form posts; the route's own URL. */
  confirmAction: string;
  /** From {@link newNonce}; the same value must go to {@link pageHeaders}. */
  nonce: string;
  /** Milliseconds since the epoch, for "in 3 hours". */
  now: number;
}

export interface DenialOptions {
  nonce: string;
  /** Shown as a reference the recipient can quote to the sender or support. */
  requestId?: string;
}

/**
 * The landing page of a link: what the file is, for whom, until when and how many downloads are
 * left, the class's handling policy, and a Download button that POSTs to `confirmAction`. When the
 * view carries a denial, its explanation replaces the button.
 */
export function renderLanding(view: LinkView, options: LandingOptions): string {
  checkNonce(options.nonce);
  const { record, state, denial } = view;
  const file = record.file;
  const expired = options.now >= state.expiresAt;
  const graceMinutes = Math.max(1, Math.round(record.sessionGraceSeconds / 60));

  return documentOf(
    <Layout nonce={options.nonce} script>
      <main class="card" aria-labelledby="file-name">
        <p class="eyebrow">Secure file download</p>
        <h1 id="file-name">
          <bdi>{file.filename}</bdi>
        </h1>
        <p class="lede">
          {formatBytes(file.size)} · {file.contentType}
        </p>

        <section class={`policy policy-${record.class}`} aria-label="Handling policy">
          <span class="badge">{CLASS_LABELS[record.class]}</span>
          <p>{record.policySummary}</p>
        </section>

        <ul class="facts">
          <li>
            <span class="label">{expired ? "Link expired" : "Link expires"}</span>
            <time datetime={new Date(state.expiresAt).toISOString()} data-local="">
              {formatUtc(state.expiresAt)}
            </time>{" "}
            <span class="relative">({relativeTime(state.expiresAt, options.now)})</span>
          </li>
          <li>
            <span class="label">Downloads left</span>
            <strong>
              {state.usesLeft} of {state.maxUses}
            </strong>
          </li>
        </ul>

        {denial ? (
          <Notice message={recipientMessage(denial)} />
        ) : (
          <form method="post" action={options.confirmAction} class="confirm">
            <button type="submit" aria-describedby="confirm-note">
              Download file
            </button>
            <p id="confirm-note" class="note">
              {state.usesLeft === 1
                ? "This is the last download the link allows."
                : `Downloading uses 1 of the ${state.usesLeft} downloads left.`}{" "}
              If it is interrupted, you can resume it for {graceMinutes}{" "}
              {graceMinutes === 1 ? "minute" : "minutes"} without using another.
            </p>
            <p id="confirm-status" class="note" role="status" />
          </form>
        )}

        <section aria-labelledby="details-heading">
          <h2 id="details-heading">About this file</h2>
          <dl class="details">
            <Detail term="File name">
              <bdi>{file.filename}</bdi>
            </Detail>
            <Detail term="Size">
              {formatBytes(file.size)} ({formatExactBytes(file.size)})
            </Detail>
            <Detail term="Content type">
              <code>{file.contentType}</code>
            </Detail>
            <Detail term="Export">
              <bdi>{file.objectName}</bdi>, version {file.versionNumber}
            </Detail>
            <Detail term="Model version">{stated(file.modelVersion)}</Detail>
            <Detail term="Training window">{stated(file.trainingWindow)}</Detail>
            <Detail term="Intended for">{stated(file.recipientGroup)}</Detail>
            <Detail term="Published">
              <time datetime={new Date(file.publishedAt).toISOString()} data-local="">
                {formatUtc(file.publishedAt)}
              </time>
            </Detail>
            <Detail term="SHA-256">
              <code class="digest">{file.sha256}</code>
            </Detail>
          </dl>
          <p class="note">
            To check the file after downloading, compare its SHA-256 with the value above, for
            example with <code>sha256sum</code> or <code>Get-FileHash</code>.
          </p>
        </section>
      </main>
    </Layout>,
  );
}

/** The page for a denial or failure: what happened and what to do next, nothing about the link. */
export function renderDenial(code: RecipientPageCode, options: DenialOptions): string {
  checkNonce(options.nonce);
  const message = recipientMessage(code);
  return documentOf(
    <Layout nonce={options.nonce}>
      <main class="card denial" aria-labelledby="denial-title">
        <p class="eyebrow">Secure file download</p>
        <h1 id="denial-title">{message.title}</h1>
        <p>{message.explanation}</p>
        <h2>What to do next</h2>
        <p>{message.nextStep}</p>
        {options.requestId ? (
          <p class="note">
            Reference for support: <code>{options.requestId}</code>
          </p>
        ) : null}
      </main>
    </Layout>,
  );
}

/**
 * Headers for a page rendered with `nonce`: a CSP that allows only our own nonce'd style and
 * script and same-origin form posts, no framing, no indexing, no referrer.
 */
export function pageHeaders(nonce: string): Record<string, string> {
  checkNonce(nonce);
  return {
    "Content-Security-Policy": [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`,
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "img-src data:",
    ].join("; "),
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
  };
}

/** A fresh CSP nonce: 128 random bits, base64. Use one per response. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

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

/** The nonce lands in a header and in attributes; anything but base64 there is a caller bug. */
function checkNonce(nonce: string): void {
  if (!NONCE.test(nonce)) throw new TypeError("A CSP nonce must be 16-128 base64 characters.");
}

function stated(value: string | null): string {
  return value && value.trim() !== "" ? value : "Not stated";
}

const FAVICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" ' +
    'rx="7" fill="#0a5c73"/><path d="M9 8v17M14 8v17M18 8v17M23 8v17M7 13h18M7 19h18" ' +
    'stroke="#fff" stroke-width="2.4" stroke-linecap="round"/></svg>',
)}`;

function Layout(props: { nonce: string; script?: boolean; children?: unknown }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="no-referrer" />
        <meta name="color-scheme" content="light dark" />
        <title>{TITLE}</title>
        <link rel="icon" href={FAVICON} />
        <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: PAGE_CSS }} />
      </head>
      <body>
        <div class="wrap">
          <header class="brand">
            <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="7" class="mark" />
              <path
                d="M9 8v17M14 8v17M18 8v17M23 8v17M7 13h18M7 19h18"
                class="bars"
                stroke-width="2.4"
                stroke-linecap="round"
              />
            </svg>
            <span>Portcullis</span>
          </header>
          {props.children}
          <footer>
            Every visit to this link and every download is recorded. If you were not expecting this
            file, do not download it; tell the person who sent it.
          </footer>
        </div>
        {props.script ? (
          <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: PAGE_SCRIPT }} />
        ) : null}
      </body>
    </html>
  );
}

function Notice(props: { message: RecipientMessage }) {
  return (
    <section class="notice" aria-labelledby="notice-title">
      <h2 id="notice-title">{props.message.title}</h2>
      <p>{props.message.explanation}</p>
      <p>{props.message.nextStep}</p>
    </section>
  );
}

function Detail(props: { term: string; children?: unknown }) {
  return (
    <div>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

function documentOf(element: unknown): string {
  // Every component here is synchronous, so rendering yields a string, never a promise.
  const rendered = element instanceof Promise ? element : (element as object).toString();
  if (typeof rendered !== "string" && !(rendered instanceof String)) {
    throw new Error("Recipient pages must render synchronously.");
  }
  return `<!doctype html>${rendered}`;
}

const UNITS = ["kB", "MB", "GB", "TB"] as const;

/** Decimal units, as file managers on most systems show them: `12.4 MB`, `999 bytes`. */
export function formatBytes(size: number): string {
  if (size < 1000) return size === 1 ? "1 byte" : `${size} bytes`;
  let value = size / 1000;
  let unit = 0;
  // Move up a unit before rounding could print "1000 kB".
  while (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, "");
  return `${shown} ${UNITS[unit]}`;
}

/** The exact length with thousands separators, independent of the server's locale. */
export function formatExactBytes(size: number): string {
  const grouped = String(size).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped} ${size === 1 ? "byte" : "bytes"}`;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Thu 3 Dec 2026, 19:30 UTC`: unambiguous in every locale, which a server cannot guess. */
export function formatUtc(epochMs: number): string {
  const at = new Date(epochMs);
  const time = `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
  const day = `${WEEKDAYS[at.getUTCDay()]} ${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]}`;
  return `${day} ${at.getUTCFullYear()}, ${time} UTC`;
}

/**
 * `in 3 hours`, `in 2 hours 59 minutes`, `5 minutes ago`: at most two units, always rounded
 * down, so a page never promises more time than the link has left.
 */
export function relativeTime(target: number, now: number): string {
  const minutes = Math.floor(Math.abs(target - now) / 60_000);
  const future = target > now;
  if (minutes < 1) return future ? "in less than a minute" : "less than a minute ago";

  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const parts =
    days > 0
      ? [count(days, "day"), count(hours, "hour")]
      : [count(hours, "hour"), count(minutes % 60, "minute")];
  const phrase = parts.filter((part) => part !== "").join(" ");
  return future ? `in ${phrase}` : `${phrase} ago`;
}

function count(amount: number, unit: string): string {
  if (amount === 0) return "";
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/**
 * One stylesheet for both pages. Colours meet WCAG AA (4.5:1 for text, 3:1 for the focus ring
 * and borders that carry meaning) in the light and the dark scheme.
 */
const PAGE_CSS = `
:root{color-scheme:light dark;--bg:#f2f5f7;--surface:#fff;--text:#15212b;--muted:#4b5b68;
--border:#d3dce3;--accent:#0a5c73;--accent-strong:#07465a;--on-accent:#fff;--focus:#0b57d0;
--notice-bg:#fff6e5;--notice-edge:#9a5b00;--notice-text:#3a2600;--policy-bg:#eef4f7;
--badge-bg:#dbe9ef;--badge-text:#0c3a48}
@media (prefers-color-scheme:dark){:root{--bg:#0e161c;--surface:#152029;--text:#e7eef3;
--muted:#a7b6c2;--border:#2c3b47;--accent:#6cc5dd;--accent-strong:#95d6e8;--on-accent:#04222c;
--focus:#8ab4f8;--notice-bg:#2b2313;--notice-edge:#e0a84a;--notice-text:#f6e7c8;
--policy-bg:#1a2a34;--badge-bg:#23404c;--badge-text:#d5eef5}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);
font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:44rem;margin:0 auto;padding:1.25rem 1rem 2.5rem}
.brand{display:flex;align-items:center;gap:.5rem;margin:0 0 1rem;font-weight:650;
letter-spacing:.01em;color:var(--text)}
.brand .mark{fill:var(--accent)}.brand .bars{stroke:var(--surface)}
.card{background:var(--surface);border:1px solid var(--border);border-radius:14px;
padding:1.5rem;box-shadow:0 1px 2px rgb(16 40 56/.05),0 6px 24px rgb(16 40 56/.06)}
.eyebrow{margin:0;font-size:.78rem;font-weight:650;letter-spacing:.08em;text-transform:uppercase;
color:var(--muted)}
h1{margin:.3rem 0 .2rem;font-size:1.55rem;line-height:1.25;overflow-wrap:anywhere}
h2{margin:1.75rem 0 .5rem;font-size:1.05rem}
.lede{margin:0;color:var(--muted);overflow-wrap:anywhere}
.policy{margin:1.25rem 0;padding:.9rem 1rem;border-left:4px solid var(--accent);
border-radius:0 10px 10px 0;background:var(--policy-bg)}
.policy-restricted,.policy-patient-linked{border-left-color:var(--notice-edge)}
.policy p{margin:.45rem 0 0}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-size:.8rem;
font-weight:650;background:var(--badge-bg);color:var(--badge-text)}
.facts{display:grid;grid-template-columns:1fr 1fr;gap:.75rem;margin:1.25rem 0;padding:0;
list-style:none}
.facts li{padding:.8rem 1rem;border:1px solid var(--border);border-radius:10px}
.label{display:block;font-size:.82rem;color:var(--muted)}
.relative{color:var(--muted)}
.facts strong{font-size:1.15rem}
.confirm{margin:1.5rem 0 0}
button{min-height:2.9rem;width:100%;padding:.7rem 1.6rem;border:0;border-radius:10px;
background:var(--accent);color:var(--on-accent);font:inherit;font-weight:650;cursor:pointer}
button:hover{background:var(--accent-strong)}
button[aria-disabled=true]{opacity:.7;cursor:progress}
:focus-visible{outline:3px solid var(--focus);outline-offset:3px}
.note{margin:.6rem 0 0;font-size:.9rem;color:var(--muted)}
.notice{margin:1.5rem 0 0;padding:1rem 1.1rem;border-left:4px solid var(--notice-edge);
border-radius:0 10px 10px 0;background:var(--notice-bg);color:var(--notice-text)}
.notice h2{margin:0 0 .35rem}.notice p{margin:.35rem 0 0}
.details{margin:0}
.details div{display:grid;grid-template-columns:10rem 1fr;gap:1rem;padding:.55rem 0;
border-top:1px solid var(--border)}
.details dt{color:var(--muted)}.details dd{margin:0;overflow-wrap:anywhere}
code{font:.88em/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.digest{word-break:break-all}
.denial h2{margin-top:1.25rem}
footer{margin:1.5rem .25rem 0;font-size:.88rem;color:var(--muted)}
@media (min-width:36rem){button{width:auto}.card{padding:2rem}}
@media (max-width:30rem){.facts{grid-template-columns:1fr}
.details div{grid-template-columns:1fr;gap:.1rem}}
@media (forced-colors:active){button{border:2px solid ButtonText}}
`;

/**
 * Optional polish: show times in the reader's own zone (the UTC text stays as a tooltip), and
 * ignore a second submit for a few seconds, so a double click cannot spend two uses.
 */
const PAGE_SCRIPT = `(() => {
  // The reader's zone, in the page's own language and date order, so the text stays consistent.
  const format = new Intl.DateTimeFormat("en-GB", {
    weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  for (const element of document.querySelectorAll("time[data-local]")) {
    const when = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) continue;
    element.title = element.textContent;
    element.textContent = format.format(when);
  }
  const form = document.querySelector("form.confirm");
  if (!form) return;
  const button = form.querySelector("button");
  const status = document.getElementById("confirm-status");
  let busy = false;
  form.addEventListener("submit", (event) => {
    if (busy) return event.preventDefault();
    busy = true;
    button.setAttribute("aria-disabled", "true");
    status.textContent = "Your download is starting. Check your browser's downloads.";
    setTimeout(() => { busy = false; button.removeAttribute("aria-disabled"); }, 8000);
  });
})();`;
