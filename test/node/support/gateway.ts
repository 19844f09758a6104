/**
 * A real local gateway for one test file, and the `portcullis` CLI pointed at it.
 *
 * `useGateway()` boots `wrangler dev` on a free port with its own temporary state (see
 * scripts/lib/local-gateway.ts) before the file's first test and stops it after the last one;
 * the developer's `.wrangler/state` and `.portcullis/dev.json` are never touched. Booting takes a
 * few seconds, so these files give their hooks and tests generous timeouts of their own.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import {
  type LocalGateway,
  type LocalGatewayOptions,
  startLocalGateway,
} from "../../../scripts/lib/local-gateway.ts";
import { outputOf, type ProcessOutput } from "./process-output.ts";

export const ROOT = dirname(dirname(dirname(import.meta.dirname)));
export const EXAMPLES = join(ROOT, "examples");
const CLI = join(ROOT, "bin", "portcullis.js");

/** Setup, migrations and `wrangler dev` together; slow machines and CI need the room. */
export const BOOT_TIMEOUT_MS = 180_000;
/** For tests that drive the gateway: several round trips, a few of them through wrangler. */
export const TEST_TIMEOUT_MS = 60_000;

export type Gateway = Pick<LocalGateway, "url" | "apiKey" | "tenantId" | "output" | "stop">;

export function startGateway(options: LocalGatewayOptions = {}): Promise<Gateway> {
  return startLocalGateway(options);
}

/**
 * Boots one gateway for the calling file. The returned object is filled in before the first
 * test runs; reading it at the top level of the file, outside a test or hook, is a mistake.
 * `options` reach `wrangler dev`, e.g. `{ vars: { WEBHOOK_MAX_ATTEMPTS: "3" } }`.
 */
export function useGateway(options: LocalGatewayOptions = {}): Gateway {
  let gateway: Gateway | undefined;
  const current = () => {
    if (!gateway) throw new Error("The gateway is not running: use it inside a test or hook.");
    return gateway;
  };
  beforeAll(async () => {
    gateway = await startGateway(options);
  }, BOOT_TIMEOUT_MS);
  afterAll(async () => {
    await gateway?.stop();
  }, BOOT_TIMEOUT_MS);
  return {
    get url() {
      return current().url;
    },
    get apiKey() {
      return current().apiKey;
    },
    get tenantId() {
      return current().tenantId;
    },
    output: () => current().output(),
    stop: () => current().stop(),
  };
}

export type CliResult = ProcessOutput;

/**
 * Runs `node bin/portcullis.js ARGS` against the gateway, configured only by PORTCULLIS_URL and
 * PORTCULLIS_API_KEY, from a working directory with no `.portcullis/dev.json` above it.
 */
export function portcullis(gateway: Gateway, args: readonly string[]): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/",
    PORTCULLIS_URL: gateway.url,
    PORTCULLIS_API_KEY: gateway.apiKey,
  };
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: "/",
    // worker-configuration.d.ts declares the Worker's bindings on ProcessEnv as required.
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return outputOf(child);
}

/** Runs the CLI with `--json`, expects success and parses the one JSON document it prints. */
export async function portcullisJson<T = Record<string, unknown>>(
  gateway: Gateway,
  args: readonly string[],
): Promise<T> {
  const result = await portcullis(gateway, [...args, "--json"]);
  if (result.status !== 0) {
    throw new Error(
      `portcullis ${args[0]} exited with ${result.status}: ${result.stderr || result.stdout}`,
    );
  }
  return JSON.parse(result.stdout) as T;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** The sha256 that examples/SHA256SUMS records for a sample file. */
export function expectedSha256(filename: string): string {
  const sums = readFileSync(join(EXAMPLES, "SHA256SUMS"), "utf8");
  for (const line of sums.split("\n")) {
    const [digest, name] = line.split(/\s+\*?/);
    if (name === filename && digest) return digest;
  }
  throw new Error(`examples/SHA256SUMS has no entry for ${filename}`);
}
