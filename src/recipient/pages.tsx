/** @jsxImportSource hono/jsx */
/**
 * The recipient's pages: the landing page a link opens (what the file is, how long the link lasts,
 * a button that spends a use) and the page for every denial, plus their security headers.
 *
 * The pages are complete without JavaScript and load nothing from anywhere: one nonce'd style, one
 * optional nonce'd script that only shows times in the reader's zone and stops double submits.
 */
import { MANIFEST_NAME } from "../bundles/names.ts";
import type { DeliveredBundle, DeliveredFile, LinkView } from "../links/model.ts";
import type { SensitivityClass } from "../policy/classes.ts";
import { formatBytes, formatExactBytes, formatUtc, relativeTime } from "./format.ts";
import { type RecipientMessage, type RecipientPageCode, recipientMessage } from "./messages.ts";
import { FAVICON, PAGE_CSS, PAGE_SCRIPT, TITLE } from "./page-assets.ts";

const NONCE = /^[A-Za-z0-9+/_-]{16,128}={0,2}$/;

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
 * view carries a denial, its explanation replaces the button. A bundle's page lists the files in
 * its ZIP with their digests instead of a digest of the ZIP, which is not known in advance.
 */
export function renderLanding(view: LinkView, options: LandingOptions): string {
  checkNonce(options.nonce);
  const { record, state, denial } = view;
  const file = record.file;
  const bundle = record.bundle ?? null;
  const expired = options.now >= state.expiresAt;
  const graceMinutes = Math.max(1, Math.round(record.policy.sessionGraceSeconds / 60));

  return documentOf(
    <Layout nonce={options.nonce} script>
      <main class="card" aria-labelledby="file-name">
        <p class="eyebrow">Secure file download</p>
        <h1 id="file-name">
          <bdi>{file.filename}</bdi>
        </h1>
        <p class="lede">
          {formatBytes(file.size)} ·{" "}
          {bundle ? `ZIP of ${fileCount(bundle.members.length)}` : file.contentType}
        </p>

        <section class={`policy policy-${record.class}`} aria-label="Handling policy">
          <span class="badge">{CLASS_LABELS[record.class]}</span>
          <p>{record.policy.summary}</p>
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
              {bundle ? "Download ZIP" : "Download file"}
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

        {bundle ? <BundleDetails file={file} bundle={bundle} /> : <FileDetails file={file} />}
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

/** The nonce lands in a header and in attributes; anything but base64 there is a caller bug. */
function checkNonce(nonce: string): void {
  if (!NONCE.test(nonce)) throw new TypeError("A CSP nonce must be 16-128 base64 characters.");
}

/** What a recipient's browser will save: its name, size and type, for a file or a bundle alike. */
function DownloadFacts(props: { file: DeliveredFile }) {
  const { file } = props;
  return (
    <>
      <Detail term="File name">
        <bdi>{file.filename}</bdi>
      </Detail>
      <Detail term="Size">
        {formatBytes(file.size)} ({formatExactBytes(file.size)})
      </Detail>
      <Detail term="Content type">
        <code>{file.contentType}</code>
      </Detail>
    </>
  );
}

function FileDetails(props: { file: DeliveredFile }) {
  const { file } = props;
  return (
    <section aria-labelledby="details-heading">
      <h2 id="details-heading">About this file</h2>
      <dl class="details">
        <DownloadFacts file={file} />
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
        To check the file after downloading, compare its SHA-256 with the value above, for example
        with <code>sha256sum</code> or <code>Get-FileHash</code>.
      </p>
    </section>
  );
}

/** A bundle's facts, then each file in its ZIP with its size and digest, in ZIP order. */
function BundleDetails(props: { file: DeliveredFile; bundle: DeliveredBundle }) {
  const { file, bundle } = props;
  return (
    <>
      <section aria-labelledby="details-heading">
        <h2 id="details-heading">About this bundle</h2>
        <dl class="details">
          <DownloadFacts file={file} />
          <Detail term="Bundle">
            <bdi>{file.objectName}</bdi>
          </Detail>
          <Detail term="Files">{fileCount(bundle.members.length)}</Detail>
          <Detail term="Created">
            <time datetime={new Date(file.publishedAt).toISOString()} data-local="">
              {formatUtc(file.publishedAt)}
            </time>
          </Detail>
        </dl>
      </section>
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Files in the ZIP</h2>
        <dl class="details">
          {bundle.members.map((member) => (
            <Detail term={<bdi>{member.filename}</bdi>}>
              {formatBytes(member.size)} ({formatExactBytes(member.size)})
              <br />
              SHA-256 <code class="digest">{member.sha256}</code>
            </Detail>
          ))}
        </dl>
        <p class="note">
          The ZIP's first file, <code>{MANIFEST_NAME}</code>, lists these SHA-256 values. After
          extracting, check every file with <code>sha256sum -c {MANIFEST_NAME}</code>. The ZIP is
          built as it downloads, so there is no SHA-256 of the ZIP itself to compare.
        </p>
      </section>
    </>
  );
}

function fileCount(count: number): string {
  return count === 1 ? "1 file" : `${count} files`;
}

function stated(value: string | null): string {
  return value && value.trim() !== "" ? value : "Not stated";
}

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

function Detail(props: { term: unknown; children?: unknown }) {
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
