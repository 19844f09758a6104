/**
 * Creates a tenant and its first administrator API key in a deployed Portcullis (or the local
 * one), which is how an installation starts: every later key is made through `POST /v1/keys` with
 * this one. With `--tenant`, it adds an administrator key to an existing tenant instead, which is
 * the way back in when every admin key of that tenant was revoked. The key is printed once, on
 * stdout, and stored nowhere; only its hash goes to D1, with a `key.created` audit event.
 *
 *   npm run tenant:create -- --name "St Mary's Analytics" --admin ops@stmarys.example --remote
 *   npm run tenant:create -- --tenant ten_… --admin ops@stmarys.example --remote
 *
 * `--remote` works on the D1 database of wrangler.toml on Cloudflare (after `wrangler login`);
 * without it, on the local database under .wrangler/state (or `--persist-to DIR`).
 *
 * Exit status: 0 done; 1 refused (no such tenant, a duplicate name) or wrangler failed; 2 usage.
 */
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateApiKey } from "../src/identity/api-keys.ts";
import { keyNameSchema } from "../src/identity/key-routes.ts";
import { idPattern, newId } from "../src/ids.ts";
import { adminKeyStatements, literal } from "./lib/sql-statements.ts";

const ROOT = dirname(import.meta.dirname);
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
/** The audit's actor for keys made here; `:` keeps it apart from every key name. */
const ACTOR = "tenant:create";

const SYNOPSIS = [
  "Usage: npm run tenant:create -- --name NAME --admin WHO [--remote] [--allow-duplicate-name]",
  "       npm run tenant:create -- --tenant TENANT_ID --admin WHO [--remote]",
].join("\n");

const USAGE = `${SYNOPSIS}

Creates a tenant and its first admin API key, or, with --tenant, a new admin key for an existing
tenant (the way back in when all of its admin keys were revoked). The key is printed once on
stdout; only its hash is stored.

Options:
  --name NAME               the new tenant's display name; refused when a tenant has it already
  --allow-duplicate-name    create the tenant even when another one has the same name
  --tenant TENANT_ID        add the key to this existing tenant (ten_...) instead
  --admin WHO               the person or service the key is for, recorded as actor: letters and
                            digits of any script, spaces, '.', '_', '@', '+' or '-'; 1-100 long
  --remote                  the D1 database on Cloudflare (after wrangler login); default local
  --persist-to DIR          the local state directory, as for wrangler dev --persist-to
  -h, --help                show this help`;

const EXIT_REFUSED = 1;
const EXIT_USAGE = 2;

function fail(message: string, status: number): never {
  process.stderr.write(`create-tenant: ${message}\n`);
  process.exit(status);
}

function usageError(message: string): never {
  process.stderr.write(`create-tenant: ${message}\n\n${SYNOPSIS}\nSee --help for the options.\n`);
  process.exit(EXIT_USAGE);
}

function commandLine() {
  try {
    return parseArgs({
      options: {
        name: { type: "string" },
        tenant: { type: "string" },
        admin: { type: "string" },
        "allow-duplicate-name": { type: "boolean", default: false },
        remote: { type: "boolean", default: false },
        "persist-to": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    // Node's message goes on to advise on `--`; its first sentence says what is wrong.
    const message = error instanceof Error ? error.message : String(error);
    usageError(message.split(/\.\s/)[0] ?? message);
  }
}

const values = commandLine();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const where = values.remote
  ? ["--remote"]
  : ["--local", ...(values["persist-to"] ? ["--persist-to", resolve(values["persist-to"])] : [])];
const database = values.remote ? "the remote D1 database" : "the local D1 database";

/** Runs SQL through wrangler and returns the rows of its last statement. */
function execute(sql: string, secret?: string): Record<string, unknown>[] {
  const result = spawnSync(
    WRANGLER,
    ["d1", "execute", "DB", ...where, "--json", "--command", sql],
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
  let output: unknown;
  try {
    output = JSON.parse(result.stdout);
  } catch {
    output = undefined;
  }
  if (result.status !== 0 || !Array.isArray(output)) {
    // Show wrangler's reason, never the SQL, and never the key's hash should it appear.
    const error = (output as { error?: { text?: unknown } } | undefined)?.error?.text;
    const lines = `${result.stderr}`.split("\n").filter((line) => /error/i.test(line));
    let reason = typeof error === "string" ? error : lines.join(" ");
    if (secret) reason = reason.replaceAll(secret, "[hash]");
    fail(`wrangler d1 execute failed: ${reason || `exit status ${result.status}`}`, EXIT_REFUSED);
  }
  const last = output.at(-1) as { results?: Record<string, unknown>[] } | undefined;
  return last?.results ?? [];
}

// Check everything before touching the database.
if (values.tenant !== undefined && values.name !== undefined) {
  usageError("give --name for a new tenant or --tenant for an existing one, not both");
}
if (values.tenant !== undefined && values["allow-duplicate-name"]) {
  usageError("--allow-duplicate-name goes with --name");
}
if (values.tenant === undefined && !values.name?.trim()) {
  usageError("--name is required: the tenant's display name (or --tenant for an existing one)");
}
if (values.name !== undefined && /\p{Cc}/u.test(values.name)) {
  usageError("--name may not hold control characters");
}
if (values.tenant !== undefined && !idPattern("tenant").test(values.tenant)) {
  usageError(`--tenant must be a tenant id, ten_ and 22 letters, digits, '_' or '-'`);
}
if (values.admin === undefined) {
  usageError("--admin is required: the person or service the key belongs to");
}
const admin = keyNameSchema.safeParse(values.admin);
if (!admin.success) usageError(`--admin: ${admin.error.issues[0]?.message ?? "not a valid name"}`);
const principal = admin.data;

let tenantId: string;
let tenantName: string;
const statements: string[] = [];
const now = Date.now();

if (values.tenant !== undefined) {
  // The id was checked against its pattern above, so it is safe inside the literal.
  const [found] = execute(`SELECT id, name FROM tenants WHERE id = ${literal(values.tenant)}`);
  if (!found) fail(`no tenant ${values.tenant} in ${database}`, EXIT_REFUSED);
  tenantId = values.tenant;
  tenantName = String(found.name);
} else {
  tenantId = newId("tenant");
  tenantName = (values.name ?? "").trim();
  if (!values["allow-duplicate-name"]) {
    const same = execute(
      `SELECT id FROM tenants WHERE name = ${literal(tenantName)} COLLATE NOCASE`,
    );
    if (same.length > 0) {
      const ids = same.map((row) => String(row.id)).join(", ");
      fail(
        `a tenant named ${JSON.stringify(tenantName)} exists already (${ids}); to add an admin ` +
          "key to it, use --tenant; to make another anyway, add --allow-duplicate-name",
        EXIT_REFUSED,
      );
    }
  }
  statements.push(
    "INSERT INTO tenants (id, name, created_at) VALUES " +
      `(${literal(tenantId)}, ${literal(tenantName)}, ${now});`,
  );
}

const { keyId, key, secretHash } = await generateApiKey();
statements.push(
  ...adminKeyStatements({ tenantId, keyId, principal, secretHash, actor: ACTOR, now }),
);
execute(statements.join(" "), secretHash);

process.stderr.write(
  values.tenant === undefined
    ? `Created tenant ${tenantId} and admin key ${keyId} for ${principal}.\n`
    : `Created admin key ${keyId} for ${principal} in the existing tenant ${tenantId} ` +
        `(${tenantName}). Revoke the keys you no longer trust with portcullis keys revoke.\n`,
);
process.stderr.write("Store the key now; it is not shown again:\n");
process.stdout.write(`${key}\n`);
