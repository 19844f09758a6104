/**
 * Boots a private Portcullis gateway for end-to-end tests and benchmarks: a real `wrangler dev`
 * on a free port of 127.0.0.1, with its own state, signing key and API key in a fresh temporary
 * directory, so the developer's `.wrangler/state`, `.dev.vars` and `.portcullis/dev.json` are
 * never read or written.
 *
 * 1. `scripts/dev-setup.ts` applies the migrations to the temporary state and creates a tenant, an
 *    all-scopes API key and a signing key there (the same code `npm start` runs);
 * 2. `wrangler dev` runs in a process group of its own, and `GET /` is polled until it answers;
 * 3. `stop()` ends the whole group (wrangler, its node child and workerd) and removes the
 *    directory. So does the exit of the owning process; and if the owner dies too abruptly for
 *    that (SIGKILL, a crash), a watchdog process (gateway-watchdog.ts) notices and ends the group.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = dirname(dirname(import.meta.dirname));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const DEV_SETUP = join(ROOT, "scripts", "dev-setup.ts");
const WATCHDOG = join(ROOT, "scripts", "lib", "gateway-watchdog.ts");

/** How much of wrangler's output is kept for error messages. */
const OUTPUT_LIMIT = 64 * 1024;
const STOP_GRACE_MS = 5000;
// Wrangler keeps watching after a failed build instead of exiting; its words for that.
const BUILD_FAILED = /Build failed|\[ERROR\]/;
// Colours and cursor movements, which wrangler prints even into a pipe.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");

export interface LocalGateway {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** An all-scopes API key of the gateway's one tenant. */
  apiKey: string;
  tenantId: string;
  /** Wrangler's pid: the leader of the process group that holds the gateway, workerd included. */
  pid: number;
  /** The temporary directory with the gateway's state; removed by `stop()`. */
  dir: string;
  /** What wrangler has printed so far (the last 64 KiB, without colours). */
  output(): string;
  /** Ends the gateway's process group and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface LocalGatewayOptions {
  /** How long setup and boot may take together (default 120 s). */
  bootTimeoutMs?: number;
  /** Receives wrangler's output as it comes, e.g. to echo it. */
  onOutput?: (text: string) => void;
  /** Overrides of wrangler.toml's `[vars]`, e.g. `{ MAX_UPLOAD_BYTES: "314572800" }`. */
  vars?: Record<string, string>;
}

interface Credentials {
  apiKey: string;
  tenantId: string;
}

/** A port that was free a moment ago: the kernel's pick for a listener on port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not pick a free port"));
      });
    });
  });
}

/** The environment for wrangler and dev-setup: this Node first on PATH, wrangler's files here. */
function childEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_LOG_PATH: join(dir, "wrangler-logs"),
    WRANGLER_REGISTRY_PATH: join(dir, "wrangler-registry"),
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, deadline: number) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), Math.max(0, deadline - Date.now()));
    child.once("error", reject);
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      if (status === 0) resolve();
      else reject(new Error(`${args[0]} failed (${signal ?? `status ${status}`}):\n${output}`));
    });
  });
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  /** One letter, as ps shows it: R running, S sleeping, Z zombie, … */
  state: string;
  /** The executable's name, e.g. `workerd` or `node` (at most 15 characters). */
  name: string;
}

/** Every process, read from /proc; `null` where there is no /proc (not Linux). */
export function listProcesses(): ProcessInfo[] | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const processes: ProcessInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // it exited meanwhile
    }
    // "pid (name) state ppid pgrp …"; the name may itself hold spaces and parentheses.
    const close = stat.lastIndexOf(")");
    const [state = "", ppid = "", pgrp = ""] = stat.slice(close + 2).split(" ");
    processes.push({
      pid: Number(entry),
      ppid: Number(ppid),
      pgrp: Number(pgrp),
      state,
      name: stat.slice(stat.indexOf("(") + 1, close),
    });
  }
  return processes;
}

/** The summed `VmRSS` of the live processes of group `pgid` called `name`, in bytes. */
export function residentBytes(pgid: number, name: string): number {
  let total = 0;
  for (const info of listProcesses() ?? []) {
    if (info.pgrp !== pgid || info.name !== name || info.state === "Z") continue;
    try {
      const status = readFileSync(`/proc/${info.pid}/status`, "utf8");
      total += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // It exited between the listing and the read.
    }
  }
  return total;
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: no process is left in the group
  }
}

/** Whether any live process of the group is left; zombies no init has reaped yet do not count. */
function groupAlive(pgid: number): boolean {
  const processes = listProcesses();
  if (processes === null) return signalGroup(pgid, 0);
  return processes.some((info) => info.pgrp === pgid && info.state !== "Z");
}

async function waitForGroupExit(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= until) return false;
    await sleep(50);
  }
  return true;
}

export async function startLocalGateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  const deadline = Date.now() + (options.bootTimeoutMs ?? 120_000);
  const dir = await mkdtemp(join(tmpdir(), "portcullis-gateway-"));
  const env = childEnv(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const paths = {
    state: join(dir, "state"),
    secrets: join(dir, "secrets.env"),
    credentials: join(dir, "credentials.json"),
  };

  try {
    await run(
      process.execPath,
      [
        DEV_SETUP,
        "--persist-to",
        paths.state,
        "--dev-vars",
        paths.secrets,
        "--credentials",
        paths.credentials,
        "--url",
        url,
      ],
      env,
      deadline,
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const credentials = JSON.parse(await readFile(paths.credentials, "utf8")) as Credentials;

  const inspectorPort = await freePort();
  const wrangler = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      paths.state,
      "--env-file",
      paths.secrets,
      "--show-interactive-dev-session=false",
      ...Object.entries({ ENVIRONMENT: "development", ...options.vars }).flatMap(
        ([name, value]) => ["--var", `${name}:${value}`],
      ),
    ],
    // A process group of its own, so one signal reaches wrangler, its node child and workerd.
    { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  const pgid = wrangler.pid;
  if (pgid === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new Error("wrangler dev did not start");
  }

  let output = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString().replace(ANSI, "");
    output = (output + text).slice(-OUTPUT_LIMIT);
    options.onOutput?.(text);
  };
  wrangler.stdout.on("data", onData);
  wrangler.stderr.on("data", onData);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    wrangler.once("exit", () => {
      exited = true;
      resolve();
    });
  });

  const watchdog = spawn(process.execPath, [WATCHDOG, String(pgid), dir], {
    stdio: ["pipe", "ignore", "inherit"],
  });
  const killOnExit = () => signalGroup(pgid, "SIGKILL");
  process.once("exit", killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener("exit", killOnExit);
      watchdog.kill("SIGKILL");
      signalGroup(pgid, "SIGTERM");
      if (!(await waitForGroupExit(pgid, STOP_GRACE_MS))) {
        signalGroup(pgid, "SIGKILL");
        await waitForGroupExit(pgid, STOP_GRACE_MS);
      }
      await exit;
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    })();
    return stopping;
  };

  try {
    await waitUntilServing(url, deadline, () => {
      if (exited) return "wrangler dev exited";
      if (BUILD_FAILED.test(output)) return "the Worker failed to build";
      return null;
    });
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The local gateway did not start: ${reason}.\n--- wrangler output ---\n${output}`,
    );
  }

  return {
    url,
    apiKey: credentials.apiKey,
    tenantId: credentials.tenantId,
    pid: pgid,
    dir,
    output: () => output,
    stop,
  };
}

/** Polls `GET /` until the gateway answers as itself, `failed()` names a reason, or time is up. */
async function waitUntilServing(
  url: string,
  deadline: number,
  failed: () => string | null,
): Promise<void> {
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(reason);
    if (Date.now() >= deadline) throw new Error("timed out waiting for GET / to answer");
    try {
      // Wrangler holds requests while it builds; a short timeout keeps `failed()` checked.
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) });
      const body = (await response.json()) as { service?: unknown };
      if (response.ok && body.service === "portcullis") return;
    } catch {
      // Not listening yet, or still building.
    }
    await sleep(100);
  }
}
