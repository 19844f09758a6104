/**
 * The recipient's side in a real browser: Debian's Chromium, driven by playwright-core, against
 * a real local gateway (support/gateway.ts). Never downloads a browser.
 *
 * Without /usr/bin/chromium the suite is skipped with a message, unless
 * PORTCULLIS_REQUIRE_BROWSER=1 (set by .ci/run), which turns the skip into a failure.
 *
 * Not here: the expired page. A link lasts at least 60 seconds and its expiry lives in its
 * LinkGuard, which a test outside workerd cannot move, so waiting would cost a minute of every
 * `npm test`. test/download/expired-page.test.ts checks that page inside workerd instead.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  EXAMPLES,
  expectedSha256,
  portcullisJson,
  sha256File,
  TEST_TIMEOUT_MS,
  useGateway,
} from "../support/gateway.ts";

const CHROMIUM = "/usr/bin/chromium";
const LAUNCH_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const hasChromium = existsSync(CHROMIUM);
const browserRequired = process.env.PORTCULLIS_REQUIRE_BROWSER === "1";
const MISSING = `${CHROMIUM} does not exist; install it with \`apt-get install chromium\``;

const FILE = "FY_2024_Hospital_Readmissions_Reduction_Program_Hospital.csv";
const ASK_FOR_A_NEW_ONE = /ask the person who sent you the link for a new one/i;

if (!hasChromium && browserRequired) {
  describe("browser tests are required", () => {
    it("PORTCULLIS_REQUIRE_BROWSER=1 needs Chromium at /usr/bin/chromium", () => {
      expect.fail(`${MISSING}; CI must not skip the browser tests.`);
    });
  });
} else if (!hasChromium) {
  process.stderr.write(`Browser tests skipped: ${MISSING}.\n`);
}

interface Version {
  versionId: string;
  filename: string;
  sha256: string;
  size: number;
}

interface IssuedLink {
  id: string;
  url: string;
}

/** A page that records every Content-Security-Policy violation it meets, however reported. */
async function openPage(context: BrowserContext): Promise<{ page: Page; violations: string[] }> {
  const page = await context.newPage();
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  page.on("pageerror", (error) => violations.push(`page error: ${error.message}`));
  await page.exposeFunction("reportCspViolation", (text: string) => violations.push(text));
  // Init scripts run outside the page's CSP, so this listener is not itself a violation. It is
  // text because the project's TypeScript has no DOM types.
  await page.addInitScript({
    content: `document.addEventListener("securitypolicyviolation", (event) => {
      reportCspViolation(event.violatedDirective + " blocked " + event.blockedURI);
    });`,
  });
  return { page, violations };
}

/** What has the keyboard focus: its tag and text, e.g. `BUTTON Download file`. */
function focused(page: Page): Promise<string> {
  return page.evaluate(
    "(() => { const el = document.activeElement; " +
      'return el ? el.tagName + " " + el.textContent.trim() : ""; })()',
  );
}

/** The `<dd>` after the `<dt>` that says `term`, in the page's "About this file" list. */
function detail(page: Page, term: string) {
  return page.locator("dt", { hasText: term }).locator("xpath=following-sibling::dd");
}

describe.skipIf(!hasChromium)("the landing page in Chromium", { timeout: TEST_TIMEOUT_MS }, () => {
  const gateway = useGateway();
  let browser: Browser;
  let context: BrowserContext;
  let scratch: string;
  let version: Version;

  const issue = (uses = 1) =>
    portcullisJson<IssuedLink>(gateway, ["link", version.versionId, "--uses", String(uses)]);

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "portcullis-browser-"));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    version = await portcullisJson<Version>(gateway, [
      "publish",
      join(EXAMPLES, FILE),
      "--name",
      "hrrp-fy2024",
      "--class",
      "internal",
    ]);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  beforeEach(async () => {
    context = await browser.newContext({ acceptDownloads: true });
  });
  afterEach(async () => {
    await context?.close();
  });

  it("shows the file's details, downloads it intact, and breaks no CSP rule", async () => {
    const link = await issue();
    const described = await fetch(link.url, { headers: { Accept: "application/json" } });
    const { policy } = (await described.json()) as { policy: string };
    const { page, violations } = await openPage(context);

    const response = await page.goto(link.url);

    expect(response?.status()).toBe(200);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(version.filename);
    expect(await detail(page, "File name").textContent()).toBe(FILE);
    expect(await detail(page, "Size").textContent()).toContain("2,119,559 bytes");
    expect(await detail(page, "SHA-256").textContent()).toBe(expectedSha256(FILE));
    const usesLeft = page.locator("li", { hasText: "Downloads left" }).locator("strong");
    expect(await usesLeft.textContent()).toBe("1 of 1");
    const policyRegion = page.getByRole("region", { name: "Handling policy" });
    expect(policy.length).toBeGreaterThan(20);
    expect(await policyRegion.locator("p").textContent()).toBe(policy);

    const downloading = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download file" }).click();
    const download = await downloading;
    const saved = join(scratch, "clicked.csv");
    await download.saveAs(saved);

    expect(download.suggestedFilename()).toBe(FILE);
    expect(await sha256File(saved)).toBe(expectedSha256(FILE));
    // The page's own nonce'd script ran: it announces the download.
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/download is starting/);
    expect(violations).toEqual([]);
  });

  it("a used-up link opens a 410 page saying so and to ask the sender for a new one", async () => {
    const link = await issue();
    const first = await openPage(context);
    await first.page.goto(link.url);
    const downloading = first.page.waitForEvent("download");
    await first.page.getByRole("button", { name: "Download file" }).click();
    await (await downloading).path();
    const { page, violations } = await openPage(context);

    const response = await page.goto(link.url);

    expect(response?.status()).toBe(410);
    expect(await page.getByRole("heading", { name: "This link has been used up" }).count()).toBe(1);
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what people read
    expect(await page.locator("main").innerText()).toMatch(ASK_FOR_A_NEW_ONE);
    expect(await page.getByRole("button", { name: "Download file" }).count()).toBe(0);
    expect(violations).toEqual([]);
  });

  it("a revoked link opens a 410 page that says it was withdrawn", async () => {
    const link = await issue();
    await portcullisJson(gateway, ["revoke", link.id, "--reason", "sent to the wrong ward"]);
    const { page, violations } = await openPage(context);

    const response = await page.goto(link.url);

    expect(response?.status()).toBe(410);
    expect(await page.getByRole("heading", { name: "This link has been withdrawn" }).count()).toBe(
      1,
    );
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what people read
    const text = await page.locator("main").innerText();
    expect(text).toMatch(/revoked this link/);
    expect(text).toMatch(ASK_FOR_A_NEW_ONE);
    expect(await page.getByRole("button", { name: "Download file" }).count()).toBe(0);
    expect(violations).toEqual([]);
  });

  it("Tab reaches the Download button and Enter downloads the file", async () => {
    const link = await issue();
    const { page } = await openPage(context);
    await page.goto(link.url);

    let reached = "";
    for (let presses = 0; presses < 20 && reached !== "BUTTON Download file"; presses += 1) {
      await page.keyboard.press("Tab");
      reached = await focused(page);
    }
    expect(reached, "Tab never focused the Download button").toBe("BUTTON Download file");

    const downloading = page.waitForEvent("download");
    await page.keyboard.press("Enter");
    const download = await downloading;
    const saved = join(scratch, "keyboard.csv");
    await download.saveAs(saved);
    expect(await sha256File(saved)).toBe(expectedSha256(FILE));
  });
});
