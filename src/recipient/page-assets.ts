/**
 * The constant parts of the recipient pages: the title, the inline favicon, the one stylesheet and
 * the one optional script. The style and script go inline under the response's CSP nonce, and
 * nothing loads from anywhere else.
 */

export const TITLE = "Secure download — Portcullis";

export const FAVICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" ' +
    'rx="7" fill="#0a5c73"/><path d="M9 8v17M14 8v17M18 8v17M23 8v17M7 13h18M7 19h18" ' +
    'stroke="#fff" stroke-width="2.4" stroke-linecap="round"/></svg>',
)}`;

/**
 * One stylesheet for both pages. Colours meet WCAG AA (4.5:1 for text, 3:1 for the focus ring
 * and borders that carry meaning) in the light and the dark scheme.
 */
export const PAGE_CSS = `
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
export const PAGE_SCRIPT = `(() => {
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
