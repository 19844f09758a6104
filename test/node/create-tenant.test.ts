/**
 * scripts/create-tenant.ts run for real, as `npm run tenant:create` runs it, against a private
 * local D1 database (`--persist-to`), so the developer's own state is never touched.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/identity/api-keys.ts";
import { outputOf, type ProcessOutput } from "./support/process-output.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const SCRIPT = join(ROOT, "scripts", "create-tenant.ts");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const EXIT_REFUSED = 1;
const EXIT_USAGE = 2;
const SLOW = 60_000;

let dir: string;
let env: NodeJS.ProcessEnv;

type Result = ProcessOutput;

function run(command: string, args: string[]): Promise<Result> {
  return outputOf(spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }));
}

/** The script on a private database: `--persist-to` always comes along. */
function createTenant(...args: string[]): Promise<Result> {
  return run(process.execPath, [SCRIPT, ...args, "--persist-to", join(dir, "state")]);
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const result = await run(process.execPath, [
    WRANGLER,
    ...["d1", "execute", "DB", "--local", "--persist-to", join(dir, "state")],
    ...["--json", "--command", sql],
  ]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout)[0].results;
}

async function rowCount(table: string): Promise<number> {
  const [row] = await query(`SELECT count(*) AS n FROM ${table}`);
  return Number(row?.n);
}

/** The tenant id from the script's stderr, and the key from its stdout. */
function created(result: Result): { tenantId: string; key: string } {
  expect(result.status, result.stderr).toBe(0);
  const tenantId = /\b(ten_[\w-]{22})\b/.exec(result.stderr)?.[1] ?? "";
  return { tenantId, key: result.stdout.trim() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "portcullis-create-tenant-"));
  env = {
    ...process.env,
    PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_LOG_PATH: join(dir, "wrangler-logs"),
    WRANGLER_REGISTRY_PATH: join(dir, "wrangler-registry"),
  };
  const migrated = await run(process.execPath, [
    WRANGLER,
    ...["d1", "migrations", "apply", "DB", "--local", "--persist-to", join(dir, "state")],
  ]);
  expect(migrated.status, migrated.stderr).toBe(0);
}, SLOW);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("create-tenant: the command line", () => {
  it("--help prints the usage on stdout and exits 0, without a stack trace", async () => {
    for (const flag of ["--help", "-h"]) {
      const result = await createTenant(flag);

      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Usage: npm run tenant:create -- --name NAME --admin WHO/);
      expect(result.stdout).toContain("--tenant TENANT_ID");
      expect(result.stderr).toBe("");
    }
  });

  it("an unknown option prints one line naming it, then the usage, and exits 2", async () => {
    const result = await createTenant("--nmae", "Typo Clinic", "--admin", "ops");

    expect(result.status).toBe(EXIT_USAGE);
    const [first, blank, usage] = result.stderr.split("\n");
    expect(first).toBe("create-tenant: Unknown option '--nmae'");
    expect(blank).toBe("");
    expect(usage).toMatch(/^Usage: /);
    expect(result.stderr).not.toMatch(/\bat .*\.(js|ts):\d+/);
    expect(result.stdout).toBe("");
  });

  it(
    "--admin follows the API key name rule: lookalike, bidirectional and other marks exit 2",
    async () => {
      const before = await rowCount("tenants");

      for (const name of ["ops\u2010bot", "ops\u202Egpj.exe", "ops/bot"]) {
        const result = await createTenant("--name", "Name Rule Clinic", "--admin", name);

        expect(result.status).toBe(EXIT_USAGE);
        expect(result.stderr).toContain(
          "create-tenant: --admin: Use letters and digits of any script, spaces, and '.', '_', " +
            "'@', '+' or '-'.",
        );
        expect(result.stdout).toBe("");
      }
      expect(await rowCount("tenants")).toBe(before);
    },
    SLOW,
  );
});

describe("create-tenant: tenants and recovery", () => {
  it(
    "creates a tenant with an admin key stored only as its hash, and audits it",
    async () => {
      const { tenantId, key } = created(
        await createTenant("--name", "St Anne's Analytics", "--admin", "José Müller"),
      );

      expect(key).toMatch(/^pcl\.[\w-]{22}\.[\w-]{43}$/);
      const keys = await query(
        `SELECT principal, secret_hash, scopes FROM api_keys WHERE tenant_id = '${tenantId}'`,
      );
      expect(keys).toEqual([
        {
          principal: "José Müller",
          secret_hash: await sha256Hex(key),
          scopes: expect.stringContaining('"admin"'),
        },
      ]);
      const events = await query(
        `SELECT action, actor FROM audit_events WHERE tenant_id = '${tenantId}'`,
      );
      expect(events).toEqual([{ action: "key.created", actor: "tenant:create" }]);
    },
    SLOW,
  );

  it(
    "--tenant adds a new admin key to an existing tenant and creates no tenant",
    async () => {
      const first = created(await createTenant("--name", "Recovery Clinic", "--admin", "ops"));
      const tenants = await rowCount("tenants");

      const result = await createTenant("--tenant", first.tenantId, "--admin", "ops recovery");

      const again = created(result);
      expect(again.tenantId).toBe(first.tenantId);
      expect(again.key).not.toBe(first.key);
      expect(result.stderr).toContain("in the existing tenant");
      expect(await rowCount("tenants")).toBe(tenants);
      const keys = await query(
        `SELECT principal, secret_hash FROM api_keys WHERE tenant_id = '${first.tenantId}' ` +
          "ORDER BY principal",
      );
      expect(keys).toEqual([
        { principal: "ops", secret_hash: await sha256Hex(first.key) },
        { principal: "ops recovery", secret_hash: await sha256Hex(again.key) },
      ]);
    },
    SLOW,
  );

  it(
    "--tenant with an id no tenant has exits 1 and writes nothing",
    async () => {
      const keys = await rowCount("api_keys");

      const result = await createTenant("--tenant", `ten_${"A".repeat(22)}`, "--admin", "ops");

      expect(result.status).toBe(EXIT_REFUSED);
      expect(result.stderr).toBe(
        `create-tenant: no tenant ten_${"A".repeat(22)} in the local D1 database\n`,
      );
      expect(result.stdout).toBe("");
      expect(await rowCount("api_keys")).toBe(keys);
    },
    SLOW,
  );

  it.each([
    ["a quote", "ten_AAAAAAAAAAAAAAAAAAAA'--"],
    ["a short id", "ten_abc"],
    ["another kind of id", `key_${"A".repeat(22)}`],
  ])("--tenant must match ten_ and 22 characters: %s exits 2", async (_case, id) => {
    const result = await createTenant("--tenant", id, "--admin", "ops");

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/^create-tenant: --tenant must be a tenant id/);
  });

  it(
    "--name of an existing tenant is refused, unless --allow-duplicate-name",
    async () => {
      const first = created(await createTenant("--name", "Twin Clinic", "--admin", "ops"));
      const tenants = await rowCount("tenants");

      const refused = await createTenant("--name", "twin clinic", "--admin", "ops");
      expect(refused.status).toBe(EXIT_REFUSED);
      expect(refused.stderr).toContain(
        `a tenant named "twin clinic" exists already (${first.tenantId})`,
      );
      expect(refused.stdout).toBe("");
      expect(await rowCount("tenants")).toBe(tenants);

      const allowed = created(
        await createTenant("--name", "Twin Clinic", "--admin", "ops", "--allow-duplicate-name"),
      );
      expect(allowed.tenantId).not.toBe(first.tenantId);
      expect(await rowCount("tenants")).toBe(tenants + 1);
    },
    SLOW,
  );
});
