/**
 * `portcullis policy settings`: the tenant's alert thresholds and audit retention. It starts
 * from the current settings (or a file holding whole settings, e.g. the `settings` of
 * `policy show --json`), applies the options given, and stores the result.
 */
import { readFile } from "node:fs/promises";
import type { PortcullisClient, TenantSettings } from "../client/index.ts";
import { formatFields } from "./format.ts";
import { LocalFileError, type Outcome } from "./outcome.ts";
import { formatDuration } from "./policy-commands.ts";
import type { SettingsChange } from "./settings-options.ts";

export interface PolicySettingsArgs {
  file?: string;
  changes: SettingsChange[];
}

const onOff = (enabled: boolean, text: string) => (enabled ? text : "off");

export function describeSettings(settings: TenantSettings): string {
  const { repeatedDenials, unusualLocation, outsideHours, secondAddress } = settings.alerts;
  const schedules = Object.entries(outsideHours.classes).map(
    ([name, hours]) =>
      `${name} ${hours.days.join(",")} ${hours.from}-${hours.to} ${hours.timeZone}`,
  );
  const fields: [string, string][] = [
    [
      "repeated denials",
      onOff(
        repeatedDenials.enabled,
        `${repeatedDenials.perLink} per link or ${repeatedDenials.perAddress} per address ` +
          `within ${formatDuration(repeatedDenials.windowSeconds)}`,
      ),
    ],
    [
      "unusual location",
      onOff(
        unusualLocation.enabled,
        `look back ${formatDuration(unusualLocation.lookBackSeconds)}`,
      ),
    ],
    ["outside hours", onOff(outsideHours.enabled, schedules.join("; ") || "no class has hours")],
    ["second address", onOff(secondAddress.enabled, "one-time links")],
    ["audit retention", `${settings.auditRetentionDays} days`],
  ];
  const lines = formatFields(fields)
    .split("\n")
    .map((line) => `  ${line}`);
  return ["settings", ...lines].join("\n");
}

async function readSettingsFile(path: string): Promise<TenantSettings> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new LocalFileError("file_not_found", `${path} does not exist.`);
    throw new LocalFileError("file_unreadable", `${path} cannot be read (${code ?? "error"}).`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      // Whether the members are right is the gateway's to say: it names the field it refuses.
      return parsed as TenantSettings;
    }
  } catch {
    // Reported below, like a document that is JSON but not an object.
  }
  throw new LocalFileError("invalid_settings_file", `${path} must hold settings as a JSON object.`);
}

export async function setSettings(
  client: PortcullisClient,
  args: PolicySettingsArgs,
): Promise<Outcome> {
  const before = (await client.getPolicy()).settings;
  // A file replaces the settings whole; options change the current ones (never both, see args).
  const settings = args.file ? await readSettingsFile(args.file) : structuredClone(before);
  for (const change of args.changes) change(settings);

  const after = (await client.putSettings(settings)).settings;
  const changed = JSON.stringify(after) !== JSON.stringify(before);
  const heading = changed
    ? "Changed the settings."
    : "The settings already were these; nothing changed.";
  return { json: after, text: `${heading}\n${describeSettings(after)}` };
}
