/**
 * Ends a local gateway whose owner died without stopping it.
 *
 * `node scripts/lib/gateway-watchdog.ts PGID DIR` waits on its stdin, a pipe from the process
 * that started the gateway. When that pipe closes (the owner exited, crashed or was killed, even
 * by SIGKILL) or the watchdog itself is interrupted, it ends the gateway's whole process group
 * (SIGTERM, then SIGKILL after a grace period) and removes the gateway's temporary directory.
 * An owner that stops the gateway itself kills the watchdog first, so this never signals a group
 * that has already gone.
 */
import { rmSync } from "node:fs";
import { basename } from "node:path";

const GRACE_MS = 3000;

const pgid = Number(process.argv[2]);
const dir = process.argv[3] ?? "";
// Only ever a directory that startLocalGateway made.
if (!Number.isSafeInteger(pgid) || pgid <= 1 || !basename(dir).startsWith("portcullis-gateway-")) {
  process.stderr.write("usage: gateway-watchdog.ts PGID DIR\n");
  process.exit(2);
}

function finish(): never {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  process.exit(0);
}

function signalGroup(signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is gone already.
    return false;
  }
}

let ending = false;
function endGateway(): void {
  if (ending) return;
  ending = true;
  if (!signalGroup("SIGTERM")) finish();
  setTimeout(() => {
    signalGroup("SIGKILL");
    finish();
  }, GRACE_MS);
}

process.stdin.on("close", endGateway);
process.stdin.on("end", endGateway);
process.stdin.resume();
// Ctrl-C in a terminal reaches the owner and this watchdog, but not the gateway, which runs in
// its own process group: pass it on.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, endGateway);
