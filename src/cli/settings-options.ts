/**
 * `portcullis policy settings`'s options: each changes one tenant setting (an alert threshold, a
 * rule on or off, the audit retention). Only the options given become changes, applied over the
 * current settings (or a file), so the command changes exactly those.
 */
import type { TenantSettings } from "../client/index.ts";
import { parseDuration, parsePositiveInteger, UsageError } from "./usage.ts";

type Values = Record<string, string | string[] | boolean | undefined>;
export const ALERT_RULES = [
  "repeatedDenials",
  "unusualLocation",
  "outsideHours",
  "secondAddress",
] as const;
type Rule = (typeof ALERT_RULES)[number];

/** A change to apply to a copy of the settings. */
export type SettingsChange = (settings: TenantSettings) => void;

export const SETTINGS_SPECS = {
  file: { type: "string" },
  "audit-retention-days": { type: "string" },
  "denials-per-link": { type: "string" },
  "denials-per-address": { type: "string" },
  "denials-window": { type: "string" },
  "location-look-back": { type: "string" },
  "alerts-on": { type: "string" },
  "alerts-off": { type: "string" },
} as const;

function parseRules(option: string, text: string): Rule[] {
  return text.split(",").map((word) => {
    const rule = ALERT_RULES.find((known) => known === word.trim());
    if (!rule) {
      throw new UsageError(
        `${option}: "${word.trim()}" is not a rule; use ${ALERT_RULES.join(", ")}.`,
      );
    }
    return rule;
  });
}

/** The changes the options ask for, in a fixed order; empty when none was given. */
export function parseSettingsChanges(values: Values): SettingsChange[] {
  const text = (option: keyof typeof SETTINGS_SPECS) => {
    const value = values[option];
    return typeof value === "string" ? value : undefined;
  };
  const changes: SettingsChange[] = [];
  const retention = text("audit-retention-days");
  if (retention !== undefined) {
    const days = parsePositiveInteger("--audit-retention-days", retention);
    changes.push((settings) => {
      settings.auditRetentionDays = days;
    });
  }
  const perLink = text("denials-per-link");
  if (perLink !== undefined) {
    const n = parsePositiveInteger("--denials-per-link", perLink);
    changes.push((settings) => {
      settings.alerts.repeatedDenials.perLink = n;
    });
  }
  const perAddress = text("denials-per-address");
  if (perAddress !== undefined) {
    const n = parsePositiveInteger("--denials-per-address", perAddress);
    changes.push((settings) => {
      settings.alerts.repeatedDenials.perAddress = n;
    });
  }
  const window = text("denials-window");
  if (window !== undefined) {
    const seconds = parseDuration("--denials-window", window);
    changes.push((settings) => {
      settings.alerts.repeatedDenials.windowSeconds = seconds;
    });
  }
  const lookBack = text("location-look-back");
  if (lookBack !== undefined) {
    const seconds = parseDuration("--location-look-back", lookBack);
    changes.push((settings) => {
      settings.alerts.unusualLocation.lookBackSeconds = seconds;
    });
  }
  const switched = [text("alerts-on"), text("alerts-off")].map((rules, index) =>
    rules === undefined ? [] : parseRules(index === 0 ? "--alerts-on" : "--alerts-off", rules),
  );
  const both = switched[0]?.filter((rule) => switched[1]?.includes(rule)) ?? [];
  if (both.length > 0) {
    throw new UsageError(`--alerts-on and --alerts-off both name ${both.join(", ")}.`);
  }
  for (const [option, enabled] of [
    ["alerts-on", true],
    ["alerts-off", false],
  ] as const) {
    const rules = text(option);
    if (rules === undefined) continue;
    const parsed = parseRules(`--${option}`, rules);
    changes.push((settings) => {
      for (const rule of parsed) settings.alerts[rule].enabled = enabled;
    });
  }
  return changes;
}
