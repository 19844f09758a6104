/**
 * First-boot bootstrap for local development, safe to run on every `npm start`:
 *
 * 1. gives `.dev.vars` an Ed25519 link-signing key and a webhook secret encryption key
 *    (WEBHOOK_SECRET_KEY) when it has none;
 * 2. applies the D1 migrations to the local database under `.wrangler/state`;
 * 3. makes sure a development tenant and an all-scopes API key exist there, and that
 *    `.portcullis/dev.json` (mode 0600) holds that key for the CLI and for tests.
 *
 * Each step checks before it writes, so a second run changes nothing. When the local database
 * was wiped but dev.json survived, the same key is registered again rather than replaced, so
 * anything already configured with it keeps working.
 *
 * `node scripts/dev-setup.ts --signing-key` only prints a fresh key set, for production:
 * `node scripts/dev-setup.ts --signing-key | npx wrangler secret put LINK_SIGNING_KEYS`.
 *
 * Tests and benchmarks boot private gateways (scripts/lib/local-gateway.ts) and point every
 * step elsewhere, so the developer's own state is never touched:
 *
 * - `--persist-to DIR`: the local state directory (as `wrangler dev --persist-to DIR`);
 * - `--dev-vars FILE`: the file that holds the secrets instead of `.dev.vars` (give it to
 *   `wrangler dev --env-file FILE`; the option cannot be called `--env-file`, which Node itself
 *   takes even after the script name);
 * - `--credentials FILE`: where the credentials go instead of `.portcullis/dev.json`;
 * - `--url URL`: the gateway URL recorded in new credentials.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { exportJWK, generateKeyPair } from "jose";
import { generateApiKey, sha256Hex } from "../src/identity/api-keys.ts";
import { newId, randomBase64Url } from "../src/ids.ts";
import { adminKeyStatements } from "./lib/sql-statements.ts";

const ROOT = dirname(import.meta.dirname);
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const PRINCIPAL = "local-developer";
/** The actor of the development key's `key.created` audit event. */
const ACTOR = "dev:setup";

function commandLine() {
  try {
    return parseArgs({
      options: {
        "signing-key": { type: "boolean" },
        "persist-to": { type: "string" },
        "dev-vars": { type: "string" },
        credentials: { type: "string" },
        url: { type: "string" },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

const options = commandLine();
const DEV_VARS = resolve(options["dev-vars"] ?? join(ROOT, ".dev.vars"));
const DEV_JSON = resolve(options.credentials ?? join(ROOT, ".portcullis", "dev.json"));
const PERSIST_TO =
  options["persist-to"] === undefined ? [] : ["--persist-to", resolve(options["persist-to"])];
const DEV_URL = options.url ?? "http://127.0.0.1:8787";
if (!URL.canParse(DEV_URL)) fail(`--url ${DEV_URL} is not an absolute URL`);

/** A path as the messages show it: relative to the repository when it lies inside. */
function shown(path: string): string {
  const inside = relative(ROOT, path);
  return inside.startsWith("..") ? path : inside;
}

const KEY_FORMAT = /^pcl\.([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;
const TENANT_FORMAT = /^ten_[A-Za-z0-9_-]{22}$/;
const SIGNING_KEYS_LINE = /^\s*(?:export\s+)?LINK_SIGNING_KEYS\s*=(.*)$/;
const WEBHOOK_KEY_LINE = /^\s*(?:export\s+)?WEBHOOK_SECRET_KEY\s*=\s*(\S*)\s*$/;

function step(message: string): void {
  process.stdout.write(`portcullis setup: ${message}\n`);
}

function fail(message: string): never {
  process.stderr.write(`portcullis setup failed: ${message}\n`);
  process.exit(1);
}

/** True when the value is a JWK set with at least one key; the example file ships an empty one. */
function hasSigningKey(value: string): boolean {
  try {
    const parsed = JSON.parse(value.trim().replace(/^'(.*)'$/s, "$1")) as { keys?: unknown };
    return Array.isArray(parsed.keys) && parsed.keys.length > 0;
  } catch {
    return false;
  }
}

/** A private Ed25519 JWK with a short random `kid`, as LINK_SIGNING_KEYS holds them. */
async function newSigningKey() {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomBase64Url(6), alg: "EdDSA" };
}

async function ensureSigningKeys(): Promise<void> {
  const lines = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8").split("\n") : [];
  const index = lines.findIndex((line) => SIGNING_KEYS_LINE.test(line));
  const current = index === -1 ? undefined : SIGNING_KEYS_LINE.exec(lines[index] ?? "")?.[1];
  if (current !== undefined && hasSigningKey(current)) {
    step(`link signing key present in ${shown(DEV_VARS)}`);
    return;
  }

  const jwk = await newSigningKey();
  writeDevVar(lines, index, `LINK_SIGNING_KEYS=${JSON.stringify({ keys: [jwk] })}`);
  step(`generated an Ed25519 link signing key (kid ${jwk.kid}) in ${shown(DEV_VARS)}`);
}

/** Puts `line` at `index` of .dev.vars (or at its end, for -1) and writes the file back. */
function writeDevVar(lines: string[], index: number, line: string): void {
  if (index === -1) {
    if (lines.length > 0 && lines.at(-1) === "") lines.pop();
    lines.push(line, "");
  } else {
    lines[index] = line;
  }
  // The file holds private keys: readable by its owner only.
  writeFileSync(DEV_VARS, lines.join("\n"), { mode: 0o600 });
  chmodSync(DEV_VARS, 0o600);
}

/** WEBHOOK_SECRET_KEY: 32 random bytes in base64, the AES-GCM key for webhook secrets at rest. */
function ensureWebhookSecretKey(): void {
  const lines = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8").split("\n") : [];
  const index = lines.findIndex((line) => WEBHOOK_KEY_LINE.test(line));
  const current = index === -1 ? "" : (WEBHOOK_KEY_LINE.exec(lines[index] ?? "")?.[1] ?? "");
  if (Buffer.from(current, "base64").byteLength === 32) {
    step(`webhook secret key present in ${shown(DEV_VARS)}`);
    return;
  }

  writeDevVar(lines, index, `WEBHOOK_SECRET_KEY=${randomBytes(32).toString("base64")}`);
  step(`generated a webhook secret key in ${shown(DEV_VARS)}`);
}

/** Runs wrangler against the local D1. stdin is closed so prompts take their default answer. */
function wrangler(args: string[], label: string): string {
  const result = spawnSync(WRANGLER, args, {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (result.error) fail(`${label}: ${result.error.message}`);
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    fail(`${label}: wrangler exited with status ${result.status}`);
  }
  return result.stdout;
}

function queryLocal<Row>(sql: string): Row[] {
  const output = wrangler(
    ["d1", "execute", "DB", "--local", ...PERSIST_TO, "--json", "--command", sql],
    "query",
  );
  const [first] = JSON.parse(output) as Array<{ results: Row[] }>;
  return first?.results ?? [];
}

interface DevCredentials {
  url: string;
  apiKey: string;
  tenantId: string;
}

function readDevCredentials(): DevCredentials | null {
  if (!existsSync(DEV_JSON)) return null;
  try {
    const parsed = JSON.parse(readFileSync(DEV_JSON, "utf8")) as Partial<DevCredentials>;
    if (typeof parsed.apiKey !== "string" || !KEY_FORMAT.test(parsed.apiKey)) return null;
    if (typeof parsed.tenantId !== "string" || !TENANT_FORMAT.test(parsed.tenantId)) return null;
    const url = typeof parsed.url === "string" ? parsed.url : DEV_URL;
    return { url, apiKey: parsed.apiKey, tenantId: parsed.tenantId };
  } catch {
    return null;
  }
}

function writeDevCredentials(credentials: DevCredentials): void {
  mkdirSync(dirname(DEV_JSON), { recursive: true, mode: 0o700 });
  writeFileSync(DEV_JSON, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(DEV_JSON, 0o600);
}

async function ensureDevCredentials(): Promise<void> {
  const existing = readDevCredentials();
  const keyId = existing ? `key_${KEY_FORMAT.exec(existing.apiKey)?.[1]}` : "";
  const [row] = existing
    ? queryLocal<{ revoked_at: number | null }>(
        `SELECT revoked_at FROM api_keys WHERE id = '${keyId}'`,
      )
    : [];
  if (existing && row && row.revoked_at === null) {
    // The gateway moved (another --port): the CLI must follow it to the new address.
    if (options.url !== undefined && options.url !== existing.url) {
      writeDevCredentials({ ...existing, url: options.url });
      step(`credentials in ${shown(DEV_JSON)} now point at ${options.url}`);
    }
    step(`development API key registered; credentials in ${shown(DEV_JSON)}`);
    return;
  }

  // Keep the key from dev.json when the database merely lost it; a revoked key stays revoked.
  const reuse = existing !== null && row === undefined;
  const tenantId = existing?.tenantId ?? newId("tenant");
  const key = reuse
    ? { keyId, key: existing.apiKey, secretHash: await sha256Hex(existing.apiKey) }
    : await generateApiKey();
  const now = Date.now();
  // Every value below is generated here or checked against a strict pattern, so inlining is safe.
  const newKey = { tenantId, keyId: key.keyId, principal: PRINCIPAL, secretHash: key.secretHash };
  queryLocal(
    "INSERT OR IGNORE INTO tenants (id, name, created_at) " +
      `VALUES ('${tenantId}', 'Development tenant', ${now}); ` +
      adminKeyStatements({ ...newKey, actor: ACTOR, now }).join(" "),
  );

  // An explicit --url wins over the one recorded earlier.
  const url = options.url ?? existing?.url ?? DEV_URL;
  writeDevCredentials({ url, apiKey: key.key, tenantId });
  step(
    reuse
      ? `registered the key from ${shown(DEV_JSON)} again (the local database was reset)`
      : `created an API key for "${PRINCIPAL}" with every scope in tenant ${tenantId}`,
  );
  step(`credentials written to ${shown(DEV_JSON)} (keep it private; the CLI finds it)`);
}

if (options["signing-key"]) {
  process.stdout.write(`${JSON.stringify({ keys: [await newSigningKey()] })}\n`);
  process.exit(0);
}

await ensureSigningKeys();
ensureWebhookSecretKey();
wrangler(["d1", "migrations", "apply", "DB", "--local", ...PERSIST_TO], "applying D1 migrations");
step("local D1 migrations applied");
await ensureDevCredentials();
step(options.url === undefined ? `done; \`npm start\` serves the API on ${DEV_URL}` : "done");
