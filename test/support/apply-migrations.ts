// Applies the D1 migrations before each test file. applyD1Migrations records what it applied and
// skips it next time, so running this for every file is safe.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
