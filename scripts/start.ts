/**
 * `npm start`: prepares the local state (scripts/dev-setup.ts), then serves the gateway with
 * `wrangler dev` on 127.0.0.1, on port 8787 unless `npm start -- --port N` or PORTCULLIS_PORT
 * names another. The credentials the CLI reads (.portcullis/dev.json) follow the port, so
 * `npx portcullis` reaches the gateway wherever it was started. Other arguments go to wrangler.
 */
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const ROOT = dirname(import.meta.dirname);
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const DEFAULT_PORT = "8787";

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(2);
}

const { values, tokens } = parseArgs({
  options: { port: { type: "string" } },
  strict: false,
  tokens: true,
});
const port = String(values.port ?? process.env.PORTCULLIS_PORT ?? DEFAULT_PORT);
if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
  fail(`the port must be a number from 1 to 65535, not ${JSON.stringify(port)}`);
}

// Everything but --port is wrangler's: `npm start -- --persist-to DIR`, say.
const passed = tokens
  .filter((token) => token.kind !== "option" || token.name !== "port")
  .flatMap((token) => {
    if (token.kind === "positional") return [token.value];
    if (token.kind === "option-terminator") return ["--"];
    return token.value === undefined ? [token.rawName] : [token.rawName, token.value];
  });

const url = `http://127.0.0.1:${port}`;
const setup = spawnSync(process.execPath, [join(ROOT, "scripts", "dev-setup.ts"), "--url", url], {
  cwd: ROOT,
  stdio: "inherit",
});
if (setup.status !== 0) process.exit(setup.status ?? 1);

const wranglerArgs = ["dev", "--ip", "127.0.0.1", "--port", port];
const server = spawn(WRANGLER, [...wranglerArgs, "--var", "ENVIRONMENT:development", ...passed], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});

// Ctrl-C reaches wrangler through the terminal's process group; a kill of this process alone
// (a supervisor's SIGTERM) is passed on, so no server is left behind.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => server.kill(signal));
}
server.once("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
