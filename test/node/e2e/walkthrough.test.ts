/**
 * The README's walkthrough against a real gateway (`wrangler dev`, see support/gateway.ts):
 * publish the sample export and model with the CLI, issue one-time links, look, download with
 * curl (or fetch when there is no curl), get refused, revoke, and read the audit log.
 */
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliResult,
  EXAMPLES,
  expectedSha256,
  portcullis,
  sha256File,
  TEST_TIMEOUT_MS,
  useGateway,
} from "../support/gateway.ts";

const gateway = useGateway();

/** Everything the CLI printed in this file, to prove the API key is never among it. */
const printed: string[] = [];

async function cli(args: readonly string[]): Promise<CliResult> {
  const result = await portcullis(gateway, args);
  printed.push(result.stdout, result.stderr);
  return result;
}

async function cliJson<T>(args: readonly string[]): Promise<T> {
  const result = await cli([...args, "--json"]);
  expect(result.status, `portcullis ${args.join(" ")}: ${result.stderr}`).toBe(0);
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as T;
}

interface Version {
  versionId: string;
  objectName: string;
  sha256: string;
  size: number;
}

interface Link {
  id: string;
  url?: string;
  status: string;
  usesSpent: number;
  usesLeft: number;
  maxUses: number;
  expiresAt: string;
}

interface AuditEvent {
  action: string;
  outcome: string;
  reason: string | null;
  linkId: string | null;
  bytesServed: number | null;
}

interface Fetched {
  /** curl's exit status: 0, or 22 for an HTTP error (fetch reports the same). */
  exitCode: number;
  status: number;
  contentType: string;
  /** What curl said on stderr, for failure messages. */
  stderr?: string;
}

const hasCurl = spawnSync("sh", ["-c", "command -v curl"]).status === 0;

/**
 * `curl -fL -d '' URL -o OUT`: POST the confirmation, follow the 303 to the download, write the
 * body. `--fail-with-body` fails like `-f` but keeps a problem document to read.
 */
function confirmAndDownload(url: string, out: string): Promise<Fetched> {
  return hasCurl ? withCurl(url, out) : withFetch(url, out);
}

function withCurl(url: string, out: string): Promise<Fetched> {
  const args = ["-sS", "-L", "--fail-with-body", "-d", "", url, "-o", out];
  return new Promise((resolve, reject) => {
    const curl = spawn("curl", [...args, "-w", "%{http_code} %{content_type}"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let written = "";
    let stderr = "";
    curl.stdout.on("data", (chunk: Buffer) => {
      written += chunk.toString();
    });
    curl.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    curl.once("error", reject);
    curl.once("close", (exitCode) => {
      const [status = "", contentType = ""] = written.split(" ");
      resolve({ exitCode: exitCode ?? -1, status: Number(status), contentType, stderr });
    });
  });
}

async function withFetch(url: string, out: string): Promise<Fetched> {
  let response = await fetch(url, {
    method: "POST",
    body: "",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "*/*" },
    redirect: "manual",
  });
  // curl -L turns a POST into a GET after 301, 302 and 303, as browsers do.
  for (let hops = 0; hops < 5 && [301, 302, 303].includes(response.status); hops += 1) {
    const location = new URL(response.headers.get("Location") ?? "", url);
    await response.body?.cancel();
    response = await fetch(location, { headers: { Accept: "*/*" }, redirect: "manual" });
  }
  const body = response.body ?? new Blob([]).stream();
  await pipeline(Readable.fromWeb(body as never), createWriteStream(out));
  return {
    exitCode: response.status >= 400 ? 22 : 0,
    status: response.status,
    contentType: response.headers.get("Content-Type") ?? "",
  };
}

/** Asks until `check` passes: the audit reaches D1 from a Durable Object alarm, a little later. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => void, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return value;
    } catch (error) {
      if (Date.now() >= until) throw error;
    }
    await sleep(250);
  }
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "portcullis-e2e-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const SAMPLES = [
  {
    file: "FY_2024_Hospital_Readmissions_Reduction_Program_Hospital.csv",
    publish: ["--name", "hrrp-fy2024", "--class", "internal", "--meta", "source=cms"],
  },
  {
    file: "diabetes_readmission_nn.keras",
    publish: ["--name", "readmission-model", "--class", "restricted", "--model-version", "nn-1.0"],
  },
];

describe.each(SAMPLES)("walkthrough with $file", { timeout: TEST_TIMEOUT_MS }, (sample) => {
  const path = join(EXAMPLES, sample.file);
  let version: Version;
  let link: Link & { url: string };

  it("publish prints a versionId, and the sha256 and size of the file", async () => {
    version = await cliJson<Version>(["publish", path, ...sample.publish]);

    expect(version.versionId).toMatch(/^ver_[A-Za-z0-9_-]{22}$/);
    expect(version.sha256).toBe(expectedSha256(sample.file));
    expect(version.size).toBe((await stat(path)).size);
  });

  it("link --uses 1 --ttl 2h issues a one-time link that lasts two hours", async () => {
    const before = Date.now();
    link = await cliJson<Link & { url: string }>([
      "link",
      version.versionId,
      "--uses",
      "1",
      "--ttl",
      "2h",
    ]);

    expect(link.id).toMatch(/^lnk_[A-Za-z0-9_-]{22}$/);
    expect(link.url.startsWith(`${gateway.url}/d/`)).toBe(true);
    expect(link).toMatchObject({ status: "active", maxUses: 1, usesLeft: 1, usesSpent: 0 });
    const lifetime = Date.parse(link.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(2 * 3600_000 + 60_000);
  });

  it("GET on the link shows the landing page and spends nothing", async () => {
    const response = await fetch(link.url, { headers: { Accept: "text/html" } });

    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain(sample.file);
    expect(html).toContain(version.sha256);
    const status = await cliJson<Link>(["status", link.id]);
    expect(status).toMatchObject({ status: "active", usesSpent: 0, usesLeft: 1 });
  });

  it("curl -fL -d '' downloads the very bytes that were published", async () => {
    const out = join(scratch, `${version.versionId}-first`);

    const fetched = await confirmAndDownload(link.url, out);

    expect(fetched).toMatchObject({ exitCode: 0, status: 200 });
    expect((await stat(out)).size).toBe(version.size);
    expect(await sha256File(out)).toBe(expectedSha256(sample.file));
    const status = await cliJson<Link>(["status", link.id]);
    expect(status).toMatchObject({ status: "used_up", usesSpent: 1, usesLeft: 0 });
  });

  it("a second download is refused: 410, problem+json, code link_used_up", async () => {
    const out = join(scratch, `${version.versionId}-second`);

    const fetched = await confirmAndDownload(link.url, out);

    expect(fetched).toMatchObject({
      exitCode: 22,
      status: 410,
      contentType: "application/problem+json",
    });
    const problem = JSON.parse(await readFile(out, "utf8"));
    expect(problem).toMatchObject({ status: 410, code: "link_used_up" });
  });

  it("the audit lists issued, viewed, started, completed and the used-up denial", async () => {
    const page = await eventually(
      () => cliJson<{ events: AuditEvent[] }>(["audit", "--link", link.id]),
      ({ events }) => {
        expect(events.map((event) => event.action)).toEqual(
          expect.arrayContaining([
            "link.issued",
            "link.viewed",
            "download.started",
            "download.completed",
            "download.denied",
          ]),
        );
      },
    );

    const { events } = page;
    expect(events.every((event) => event.linkId === link.id)).toBe(true);
    expect(events.find((event) => event.action === "link.viewed")).toMatchObject({
      outcome: "allowed",
    });
    expect(events.find((event) => event.action === "download.completed")).toMatchObject({
      bytesServed: version.size,
    });
    const denials = events.filter((event) => event.action === "download.denied");
    expect(denials).toEqual([expect.objectContaining({ reason: "link_used_up" })]);
  });
});

describe("revocation and errors", { timeout: TEST_TIMEOUT_MS }, () => {
  it("a revoked link answers 410 link_revoked", async () => {
    const path = join(EXAMPLES, "synthea_encounters.csv");
    const version = await cliJson<Version>([
      "publish",
      path,
      "--name",
      "encounters",
      "--class",
      "internal",
    ]);
    const link = await cliJson<Link & { url: string }>(["link", version.versionId, "--uses", "1"]);

    const revoked = await cliJson<Link>(["revoke", link.id, "--reason", "sent to the wrong ward"]);
    expect(revoked).toMatchObject({ id: link.id, status: "revoked" });

    const out = join(scratch, "revoked");
    const fetched = await confirmAndDownload(link.url, out);
    expect(fetched).toMatchObject({ exitCode: 22, status: 410 });
    expect(JSON.parse(await readFile(out, "utf8"))).toMatchObject({ code: "link_revoked" });
  });

  it("an unknown link id is one stderr line, error not_found: …, and exit status 1", async () => {
    for (const json of [[], ["--json"]]) {
      const result = await cli(["status", "lnk_AAAAAAAAAAAAAAAAAAAAAA", ...json]);

      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^error not_found: [^\n]+\n$/);
    }
  });

  it("the CLI never prints the API key, nor its secret part", () => {
    const secret = gateway.apiKey.split(".").at(-1) ?? gateway.apiKey;
    expect(printed.length).toBeGreaterThan(20);
    for (const text of printed) {
      expect(text).not.toContain(gateway.apiKey);
      expect(text).not.toContain(secret);
    }
  });

  it("nor does the gateway's own log", () => {
    const secret = gateway.apiKey.split(".").at(-1) ?? gateway.apiKey;
    expect(gateway.output()).not.toContain(secret);
  });
});
