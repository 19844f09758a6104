/**
 * `portcullis policy set`'s field options: each maps to one member of a class policy, with
 * durations in the CLI's usual form (30m, 24h, 7d). Only the options given become fields, so
 * `policy set` changes exactly those and keeps the rest of the class's policy.
 */
import { type ClassPolicy, CONSTRAINT_NAMES, type ConstraintName } from "../client/index.ts";
import { parseDuration, parsePositiveInteger, UsageError } from "./usage.ts";

type PolicyFields = Partial<ClassPolicy>;
type Values = Record<string, string | string[] | boolean | undefined>;

/** The option of each field, in the order `--help` lists them. */
export const POLICY_FIELD_OPTIONS = {
  "default-ttl": "defaultTtlSeconds",
  "max-ttl": "maxTtlSeconds",
  "default-uses": "defaultUses",
  "max-uses": "maxUses",
  "session-grace": "sessionGraceSeconds",
  retries: "retriesAfterLapse",
  "identity-required": "identityRequired",
  "approval-required": "approvalRequired",
  "approval-ttl": "approvalTtlSeconds",
  "required-constraints": "requiredConstraints",
  retention: "retentionSeconds",
  summary: "summary",
} as const satisfies Record<string, keyof ClassPolicy>;

type FieldOption = keyof typeof POLICY_FIELD_OPTIONS;

function parseYesNo(option: string, text: string): boolean {
  const word = text.trim().toLowerCase();
  if (word === "yes" || word === "true") return true;
  if (word === "no" || word === "false") return false;
  throw new UsageError(`${option} takes yes or no, not "${text}".`);
}

/** `forever` keeps published bytes; anything else is a duration. */
function parseRetention(text: string): number | null {
  return text.trim().toLowerCase() === "forever" ? null : parseDuration("--retention", text);
}

/** `ipRanges,hours`, or `none` for no required constraint. */
function parseConstraintNames(text: string): ConstraintName[] {
  if (text.trim().toLowerCase() === "none") return [];
  const names: ConstraintName[] = [];
  for (const word of text.split(",").map((part) => part.trim())) {
    const name = CONSTRAINT_NAMES.find((known) => known === word);
    if (!name) {
      throw new UsageError(
        `--required-constraints: "${word}" is not a constraint; ` +
          `use ${CONSTRAINT_NAMES.join(", ")} or none.`,
      );
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

function parseField(option: FieldOption, text: string): PolicyFields {
  const flag = `--${option}`;
  switch (option) {
    case "default-ttl":
    case "max-ttl":
    case "session-grace":
    case "approval-ttl":
      return { [POLICY_FIELD_OPTIONS[option]]: parseDuration(flag, text) };
    case "default-uses":
    case "max-uses":
      return { [POLICY_FIELD_OPTIONS[option]]: parsePositiveInteger(flag, text) };
    case "retries":
      return { retriesAfterLapse: parsePositiveInteger(flag, text, 0) };
    case "identity-required":
    case "approval-required":
      return { [POLICY_FIELD_OPTIONS[option]]: parseYesNo(flag, text) };
    case "required-constraints":
      return { requiredConstraints: parseConstraintNames(text) };
    case "retention":
      return { retentionSeconds: parseRetention(text) };
    case "summary":
      return { summary: text };
  }
}

/** The fields the options set, in no particular order; empty when none was given. */
export function parsePolicyFields(values: Values): PolicyFields {
  let fields: PolicyFields = {};
  for (const option of Object.keys(POLICY_FIELD_OPTIONS) as FieldOption[]) {
    const text = values[option];
    if (typeof text === "string") fields = { ...fields, ...parseField(option, text) };
  }
  return fields;
}

/** parseArgs' specs of the field options: each takes a value. */
export const POLICY_FIELD_SPECS = Object.fromEntries(
  Object.keys(POLICY_FIELD_OPTIONS).map((option) => [option, { type: "string" as const }]),
);
