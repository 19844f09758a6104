/**
 * `portcullis policy settings`: the tenant's alert thresholds and audit retention. It starts
 * from the current settings (or a file holding whole settings, e.g. the `settings` of
 * `policy show --json`), applies the options given, and stores the result.
 */
import type { PortcullisClient, TenantSettings } from "../client/index.ts";
import { formatFields } from "./format.ts";
import { readJsonObjectFile } from "./json-file.ts";
import type { Outcome } from "./outcome.ts";
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
  return (await readJsonObjectFile(path, "invalid_settings_file", "settings")) as TenantSettings;
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
