/**
 * `portcullis policy settings` and the settings in `policy show`: alert thresholds, rules on and
 * off, and the audit retention, against a gateway that answers as the server would.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_OK, EXIT_USAGE } from "../../src/cli/main.ts";
import type { FetchLike } from "../../src/client/index.ts";
import { cli as cliFrom, POLICY, policyGateway } from "./fixtures.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "portcullis-settings-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The CLI run from this file's temporary directory, where settings files are written. */
const cli = (argv: string[], fetch?: FetchLike) => cliFrom(argv, fetch, dir);

describe("portcullis policy settings", () => {
  it("show prints the settings after the classes", async () => {
    const { fetch } = policyGateway();
    const result = await cli(["policy", "show"], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(result.stdout).toMatch(/^settings$/m);
    expect(result.stdout).toMatch(
      /^ {2}repeated denials +5 per link or 20 per address within 15m$/m,
    );
    expect(result.stdout).toMatch(/^ {2}audit retention +2192 days$/m);
  });

  it("changes only the settings whose options are given, and sends them whole", async () => {
    const { fetch, sent } = policyGateway();
    const result = await cli(
      [
        "policy",
        "settings",
        "--denials-per-link",
        "3",
        "--denials-window",
        "1h",
        "--alerts-off",
        "unusualLocation,secondAddress",
        "--audit-retention-days",
        "3650",
      ],
      fetch,
    );

    expect(result.status, result.stderr).toBe(EXIT_OK);
    const put = sent.find((request) => request.method === "PUT");
    const { settings } = JSON.parse(put?.body ?? "{}") as { settings: typeof POLICY.settings };
    expect(settings).toEqual({
      alerts: {
        ...POLICY.settings.alerts,
        repeatedDenials: { enabled: true, perLink: 3, perAddress: 20, windowSeconds: 3600 },
        unusualLocation: { enabled: false, lookBackSeconds: 30 * 86_400 },
        secondAddress: { enabled: false },
      },
      auditRetentionDays: 3650,
    });
    expect(result.stdout).toMatch(/^Changed the settings\.$/m);
    expect(result.stdout).toMatch(/^ {2}unusual location +off$/m);
  });

  it("--file replaces the settings whole", async () => {
    const path = join(dir, "settings.json");
    await writeFile(path, JSON.stringify({ auditRetentionDays: 4000 }));
    const { fetch, sent } = policyGateway();
    const result = await cli(["policy", "settings", "--file", path], fetch);

    expect(result.status, result.stderr).toBe(EXIT_OK);
    const put = sent.find((request) => request.method === "PUT");
    expect(JSON.parse(put?.body ?? "{}")).toEqual({ settings: { auditRetentionDays: 4000 } });
  });

  it.each([
    [["policy", "settings"], /needs --file FILE or at least one setting option/],
    [["policy", "settings", "--file", "x.json", "--denials-per-link", "3"], /not both/],
    [["policy", "settings", "--alerts-off", "loudNoises"], /"loudNoises" is not a rule/],
    [["policy", "settings", "--denials-window", "soon"], /--denials-window/],
    [
      ["policy", "settings", "--alerts-on", "secondAddress", "--alerts-off", "secondAddress"],
      /--alerts-on and --alerts-off both name secondAddress/,
    ],
  ])("refuses %j as a usage error", async (argv, message) => {
    const result = await cli(argv);
    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(message);
  });
});
