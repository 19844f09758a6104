/**
 * The audit chain from the command line, against a real gateway (`wrangler dev`): export it,
 * verify the untouched export, and see verification fail, naming the event, once one exported
 * event is edited, deleted or reordered.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainHash } from "../../../src/audit/chain.ts";
import type { AuditEvent } from "../../../src/audit/events.ts";
import {
  EXAMPLES,
  portcullis,
  portcullisJson,
  TEST_TIMEOUT_MS,
  useGateway,
} from "../support/gateway.ts";

const gateway = useGateway();
let workDir: string;
let exported: string;
let lines: string[];

interface Event {
  id: string;
  seq: number;
  action: string;
  hash: string;
}

async function verify(file: string, extra: string[] = []) {
  return portcullis(gateway, ["audit", "verify", file, ...extra]);
}

async function tampered(name: string, change: (lines: string[]) => void): Promise<string> {
  const copy = [...lines];
  change(copy);
  const path = join(workDir, name);
  await writeFile(path, `${copy.join("\n")}\n`);
  return path;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "portcullis-audit-"));

  // Some history: a publish, a link, its landing page and a confirmation.
  const sample = join(EXAMPLES, "diabetes_readmission_MODEL_CARD.md");
  const version = await portcullisJson<{ versionId: string }>(gateway, [
    "publish",
    sample,
    "--name",
    "model-card",
    "--class",
    "internal",
  ]);
  const link = await portcullisJson<{ url: string }>(gateway, ["link", version.versionId]);
  await fetch(link.url, { headers: { Accept: "text/html" } });
  await fetch(link.url, { method: "POST", redirect: "manual" });

  exported = join(workDir, "audit.ndjson");
  const result = await portcullisJson<{ events: number; chain: string }>(gateway, [
    "audit",
    "export",
    "--out",
    exported,
  ]);
  expect(result.chain).toBe("contiguous");
  lines = (await readFile(exported, "utf8")).trim().split("\n");
  expect(lines.length).toBe(result.events);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe("portcullis audit export and verify", () => {
  it("an untouched export verifies: exit 0 and a one-line summary", async () => {
    const result = await verify(exported);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(result.stdout).toMatch(new RegExp(`^intact: ${lines.length} events, seq 1-`));
    expect(lines.length).toBeGreaterThanOrEqual(4);
  });

  it("the setup's API key is audited: the chain opens with its key.created event", () => {
    const first = JSON.parse(lines[0] ?? "") as Event & { actor: string; detail: unknown };
    expect(first).toMatchObject({ seq: 1, action: "key.created", actor: "dev:setup" });
    expect(JSON.stringify(first.detail)).not.toContain("pcl.");
  });

  it("editing one exported event makes verify fail, naming that event", async () => {
    const target = JSON.parse(lines[1] ?? "") as Event;
    const file = await tampered("edited.ndjson", (copy) => {
      copy[1] = (copy[1] ?? "").replace(/"actor":"[^"]*"/, '"actor":"mallory"');
    });

    const result = await verify(file);
    expect(result.status).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("error chain_broken:");
    expect(result.stderr).toContain(`event seq ${target.seq} (${target.id}) was altered`);
  });

  it("deleting one exported event makes verify fail, naming its position", async () => {
    const target = JSON.parse(lines[2] ?? "") as Event;
    const file = await tampered("deleted.ndjson", (copy) => copy.splice(2, 1));

    const result = await verify(file);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`event seq ${target.seq} was removed`);
    expect(result.stderr).toContain(target.hash);
  });

  it("reordering two exported events makes verify fail, naming the one out of place", async () => {
    const moved = JSON.parse(lines[1] ?? "") as Event;
    const file = await tampered("reordered.ndjson", (copy) => {
      const [second, third] = [copy[1] ?? "", copy[2] ?? ""];
      copy[1] = third;
      copy[2] = second;
    });

    const result = await verify(file);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`event seq ${moved.seq} (${moved.id}) was reordered`);
  });

  it("compares the export's last event with the gateway's head when asked", async () => {
    const head = await portcullisJson<{ head: { seq: number; hash: string } }>(gateway, [
      "audit",
      "head",
    ]);
    const last = JSON.parse(lines.at(-1) ?? "") as Event;
    expect(head.head.seq).toBeGreaterThanOrEqual(last.seq);

    const result = await verify(exported, ["--head"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/matches the gateway, (the file ends at|the gateway's head is)/);
  });

  it("--head notes an export cut short at its start; --from-start fails it", async () => {
    const file = await tampered("cut.ndjson", (copy) => copy.splice(0, 1));

    const noted = await verify(file, ["--head"]);
    expect(noted.status, noted.stderr).toBe(0);
    expect(noted.stdout).toContain("note: the file starts at seq 2");
    expect(noted.stdout).toContain("1 event before it is not in the file");

    const failed = await verify(file, ["--from-start"]);
    expect(failed.status).toBe(3);
    expect(failed.stderr).toContain("the file starts at seq 2, but the gateway's chain starts");
    expect((await verify(exported, ["--from-start"])).status).toBe(0);
  });

  it("--head --json reports the comparison as data", async () => {
    const result = await portcullisJson<{ gateway: Record<string, unknown> }>(gateway, [
      "audit",
      "verify",
      exported,
      "--head",
    ]);
    const last = JSON.parse(lines.at(-1) ?? "") as Event;
    expect(result.gateway).toMatchObject({ startSeq: 1, compared: 2, matches: true });
    expect(result.gateway.headSeq).toBe(last.seq + (result.gateway.eventsAfter as number));
  });

  it("export refuses to replace an existing file unless --force", async () => {
    const refused = await portcullis(gateway, ["audit", "export", "--out", exported]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("error file_exists:");
    expect(await readFile(exported, "utf8")).toBe(`${lines.join("\n")}\n`);
  });

  it("exports CSV with a header for spreadsheets", async () => {
    const file = join(workDir, "audit.csv");
    const result = await portcullis(gateway, ["audit", "export", "--out", file, "--format", "csv"]);
    expect(result.status, result.stderr).toBe(0);
    const [header, first] = (await readFile(file, "utf8")).split("\n");
    expect(header?.startsWith("seq,id,occurredAt,sealedAt,action,outcome")).toBe(true);
    expect(first).toMatch(/^1,evt_/);
    await expect(stat(`${file}.partial`)).rejects.toThrow();
  });

  it("verify refuses a file that is not NDJSON as a usage error, exit 2", async () => {
    const file = join(workDir, "junk.csv");
    await writeFile(file, "seq,id,occurredAt\n1,evt_x,2026-12-01T00:00:00Z\n");
    const result = await verify(file);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error not_an_export:");
  });

  it("an empty export, of a quiet period, verifies as empty with exit 0", async () => {
    const file = join(workDir, "quiet.ndjson");
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const exportedQuiet = await portcullis(gateway, [
      "audit",
      "export",
      "--since",
      future,
      "--out",
      file,
    ]);
    expect(exportedQuiet.status, exportedQuiet.stderr).toBe(0);
    expect(exportedQuiet.stdout).toContain("Exported 0 events");

    const result = await verify(file);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^empty: /);
  });

  it("--head catches a file rewritten consistently and cut short; offline cannot", async () => {
    // Rewrite the first event, recompute every hash after it, and drop the last event, so the
    // file no longer ends at the gateway's head.
    const events = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    events[0] = { ...events[0], actor: "mallory" };
    let previousHash: string | null = null;
    for (const event of events) {
      if (previousHash !== null) event.prevHash = previousHash;
      const position = {
        seq: event.seq as number,
        prevHash: event.prevHash as string,
        sealedAt: event.sealedAt as number,
      };
      event.hash = await chainHash(event as unknown as AuditEvent, position);
      previousHash = event.hash as string;
    }
    const file = join(workDir, "rewritten.ndjson");
    await writeFile(file, `${events.map((event) => JSON.stringify(event)).join("\n")}\n`);

    expect((await verify(file)).status).toBe(0);
    const checked = await verify(file, ["--head"]);
    expect(checked.status).toBe(3);
    expect(checked.stderr).toContain("event seq 1 differs from the gateway's");
  });
});
