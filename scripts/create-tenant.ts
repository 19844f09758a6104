/**
 * Creates a tenant and its first administrator API key in a deployed Portcullis (or the local
 * one), which is how an installation starts: every later key is made through `POST /v1/keys` with
 * this one. The key is printed once, on stdout, and stored nowhere; only its hash goes to D1.
 *
 *   npm run tenant:create -- --name "St Mary's Analytics" --admin ops@stmarys.example --remote
 *
 * `--remote` writes to the D1 database of wrangler.toml on Cloudflare (after `wrangler login`);
 * without it, the local database under .wrangler/state.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { generateApiKey, SCOPES } from "../src/identity/api-keys.ts";
import { newId } from "../src/ids.ts";

const ROOT = dirname(import.meta.dirname);
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

function fail(message: string): never {
  process.stderr.write(`create-tenant: ${message}\n`);
  process.exit(2);
}

/** SQL string literal: the values are ours or the operator's, but quote them properly anyway. */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const { values } = parseArgs({
  options: {
    name: { type: "string" },
    admin: { type: "string" },
    remote: { type: "boolean", default: false },
  },
  strict: true,
});
if (!values.name?.trim()) fail("--name is required: the tenant's display name");
if (!values.admin?.trim()) fail("--admin is required: the person or service the key belongs to");

const tenantId = newId("tenant");
const { keyId, key, secretHash } = await generateApiKey();
const now = Date.now();
const sql = [
  `INSERT INTO tenants (id, name, created_at) VALUES (${literal(tenantId)}, ${literal(values.name.trim())}, ${now});`,
  "INSERT INTO api_keys (id, tenant_id, principal, secret_hash, scopes, created_at) VALUES (" +
    `${literal(keyId)}, ${literal(tenantId)}, ${literal(values.admin.trim())}, ` +
    `${literal(secretHash)}, ${literal(JSON.stringify(SCOPES))}, ${now});`,
].join(" ");

const result = spawnSync(
  WRANGLER,
  ["d1", "execute", "DB", values.remote ? "--remote" : "--local", "--command", sql],
  {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    // wrangler needs the Node running this script, not whatever `node` is first on the PATH.
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      WRANGLER_SEND_METRICS: "false",
    },
  },
);
if (result.status !== 0) {
  // wrangler's output holds the SQL, and with it the key's hash: show only its error lines.
  const reason = `${result.stderr}`.split("\n").filter((line) => /error/i.test(line));
  fail(`wrangler d1 execute failed: ${reason.join(" ") || `exit status ${result.status}`}`);
}

process.stderr.write(
  `Created tenant ${tenantId} and admin key ${keyId} for ${values.admin.trim()}.\n` +
    "Store the key now; it is not shown again:\n",
);
process.stdout.write(`${key}\n`);
