/**
 * The command line, parsed: which command, its operands and its options, checked and converted
 * before any file is opened or any request is sent. Everything here is pure, so a mistake on the
 * command line is always a {@link UsageError} (exit status 2) and never half a side effect.
 */
import { parseArgs } from "node:util";
import type {
  ApiKeyScope,
  AuditQuery,
  ClassPolicy,
  LinkConstraints,
  LinkTarget,
  SubjectFilter,
  SubjectInput,
} from "../client/index.ts";
import { API_KEY_SCOPES, SENSITIVITY_CLASSES, type SensitivityClass } from "../client/index.ts";
import type { AuditExportArgs, AuditVerifyArgs } from "./audit-commands.ts";
import { parseAuditExport, parseAuditList, parseAuditVerify } from "./audit-options.ts";
import { parseBundle } from "./bundle-options.ts";
import {
  COMMON,
  checkOperandCount,
  GROUPS,
  type Group,
  groupCommand,
  type HelpTopic,
  isCommand,
  isGroup,
  OPTIONS,
  type OptionSpec,
  type Runnable,
} from "./command-specs.ts";
import { parseConstraints, parseLinkTarget } from "./link-options.ts";
import { parsePolicyFields } from "./policy-options.ts";
import { parseRevoke, type RevokeArgs } from "./revoke-options.ts";
import type { PolicySettingsArgs } from "./settings-commands.ts";
import { parseSettingsChanges } from "./settings-options.ts";
import { parseSubjectFilter, parseSubjectInput } from "./subject-options.ts";
import {
  parseDuration,
  parseLabels,
  parsePositiveInteger,
  parseScopes,
  UsageError,
} from "./usage.ts";
import { parseWebhookCommand, type WebhookInvocation } from "./webhook-options.ts";

export { COMMAND_NAMES, type CommandName, GROUPS, type HelpTopic } from "./command-specs.ts";
export { parseLabels, parsePositiveInteger, parseScopes, UsageError };

export type Invocation =
  | { command: "help"; topic: HelpTopic | null }
  | ({ command: "publish"; json: boolean } & PublishArgs)
  | { command: "bundle"; json: boolean; name: string; versionIds: string[]; bundleId?: undefined }
  | { command: "bundle"; json: boolean; bundleId: string }
  | ({
      command: "link";
      json: boolean;
      ttlSeconds?: number;
      maxUses?: number;
      to?: string;
      subject?: string;
      group?: string;
      constraints?: LinkConstraints;
    } & LinkTarget)
  | { command: "approve" | "reject"; json: boolean; linkId: string; note?: string }
  | ({ command: "revoke"; json: boolean } & RevokeArgs)
  | { command: "status"; json: boolean; linkId: string }
  | { command: "versions"; json: boolean; name: string }
  | { command: "audit list"; json: boolean; query: AuditQuery }
  | { command: "audit head"; json: boolean }
  | ({ command: "audit export"; json: boolean } & AuditExportArgs)
  | ({ command: "audit verify"; json: boolean } & AuditVerifyArgs)
  | { command: "keys create"; json: boolean; name: string; scopes: ApiKeyScope[] }
  | { command: "keys list"; json: boolean }
  | { command: "keys revoke"; json: boolean; keyId: string }
  | { command: "policy show"; json: boolean }
  | ({ command: "policy set"; json: boolean } & PolicySetArgs)
  | { command: "policy reset"; json: boolean; class: SensitivityClass }
  | ({ command: "policy settings"; json: boolean } & PolicySettingsArgs)
  | { command: "subjects put"; json: boolean; subjectId: string; subject: SubjectInput }
  | { command: "subjects show" | "subjects deactivate"; json: boolean; subjectId: string }
  | WebhookInvocation
  | { command: "subjects list"; json: boolean; filter: SubjectFilter };

export interface PolicySetArgs {
  class: SensitivityClass;
  /** A JSON file holding the class's whole policy, the starting point instead of the current. */
  file?: string;
  /** The fields given as options, applied over the file or the current policy. */
  fields: Partial<ClassPolicy>;
}

export interface PublishArgs {
  file: string;
  name: string;
  class?: SensitivityClass;
  filename?: string;
  contentType?: string;
  modelVersion?: string;
  trainingWindow?: string;
  recipientGroup?: string;
  labels: Record<string, string>;
}

/** `90s`, `30m`, `2h`, `7d` or plain seconds, as a whole number of seconds. */
export function parseTtl(text: string): number {
  return parseDuration("--ttl", text);
}

function parseClass(text: string, what = "--class"): SensitivityClass {
  const found = SENSITIVITY_CLASSES.find((name) => name === text);
  if (!found) {
    throw new UsageError(`${what} must be one of ${SENSITIVITY_CLASSES.join(", ")}.`);
  }
  return found;
}

export function parseCommandLine(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") {
    return { command: "help", topic: null };
  }
  if (first === "help") {
    const [topic, action] = rest;
    if (topic === undefined) return { command: "help", topic: null };
    if (!isCommand(topic)) throw new UsageError(`There is no command "${topic}".`);
    if (!isGroup(topic) || action === undefined) return { command: "help", topic };
    const command = groupCommand(topic, action);
    if (!command) throw new UsageError(`There is no command "${topic} ${action}".`);
    return { command: "help", topic: command };
  }
  if (!isCommand(first)) {
    throw new UsageError(
      first.startsWith("-")
        ? `"${first}" must follow a command.`
        : `There is no command "${first}".`,
    );
  }
  if (isGroup(first)) return parseGroupCommand(first, rest);
  return parseCommand(first, rest);
}

function parseGroupCommand(group: Group, args: readonly string[]): Invocation {
  const [action, ...rest] = args;
  // `portcullis audit [filters]` lists events, as it did before audit had other commands.
  if (group === "audit" && (action === undefined || /^-[^h-]|^--(?!help$)/.test(action))) {
    return parseCommand("audit list", args);
  }
  if (action === undefined || action === "--help" || action === "-h") {
    return { command: "help", topic: group };
  }
  const command = groupCommand(group, action);
  if (!command) {
    throw new UsageError(`${group} takes ${GROUPS[group].join(", ")}, not "${action}".`, group);
  }
  return parseCommand(command, rest);
}

function parseCommand(command: Runnable, args: readonly string[]): Invocation {
  const options = { ...COMMON, ...OPTIONS[command] };
  let parsed: { values: Record<string, unknown>; positionals: string[]; tokens: Token[] };
  try {
    parsed = parseArgs({
      args: attachDashValues(command, args, options),
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    // parseArgs says what is wrong in its first sentence, then adds advice about "--".
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message.split(". ")[0]?.replace(/\.$/, "")}.`, command);
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) return { command: "help", topic: command };

  refuseRepeated(command, parsed.tokens, options);
  try {
    return toInvocation(command, parsed.positionals, values);
  } catch (error) {
    // Point a mistake in an option's value at the help of the command it was given to.
    if (error instanceof UsageError && error.command === null) {
      throw new UsageError(error.message, command);
    }
    throw error;
  }
}

/** What is read here of parseArgs' tokens: an option's token names it. */
type Token = { kind: string; name?: string };

/**
 * parseArgs reads a word starting with "-" after an option as the next option, and reports the
 * first one as "ambiguous". No option is named by a digit, so a negative number there can only
 * be the option's value: it is attached (`--limit=-1`), and the option's own check refuses it by
 * its rules. Any other such word is explained, with how to give it as a value.
 */
function attachDashValues(
  command: Runnable,
  args: readonly string[],
  options: Record<string, OptionSpec>,
): string[] {
  const valued = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== "string") continue;
    valued.set(`--${name}`, name);
    if (spec.short) valued.set(`-${spec.short}`, name);
  }

  const attached: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const word = args[index] ?? "";
    // After "--" every word is an operand, however it looks.
    if (word === "--") return [...attached, ...args.slice(index)];
    const name = valued.get(word);
    const next = args[index + 1];
    if (name === undefined || next === undefined || !next.startsWith("-") || next === "-") {
      attached.push(word);
      continue;
    }
    if (!/^-\.?\d/.test(next)) {
      throw new UsageError(
        `${word} needs a value, and "${next}" after it is read as an option; if "${next}" is ` +
          `the value, write --${name}=${next}.`,
        command,
      );
    }
    attached.push(`--${name}=${next}`);
    index += 1;
  }
  return attached;
}

/** parseArgs keeps only the last value of an option given twice, so that is refused instead. */
function refuseRepeated(
  command: Runnable,
  tokens: readonly Token[],
  options: Record<string, OptionSpec>,
): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    const name = token.kind === "option" ? token.name : undefined;
    if (name === undefined) continue;
    // A flag given twice means what it means once; a repeatable option collects every value.
    const spec = options[name];
    if (spec?.type !== "string" || spec.multiple) continue;
    if (seen.has(name)) {
      throw new UsageError(
        `--${name} is given more than once; it takes one value, so give it once.`,
        command,
      );
    }
    seen.add(name);
  }
}

function toInvocation(
  command: Runnable,
  positionals: readonly string[],
  values: Record<string, string | string[] | boolean | undefined>,
): Invocation {
  checkOperandCount(command, positionals.length);
  const operand = positionals[0] ?? "";
  const json = values.json === true;
  const text = (name: string) => values[name] as string | undefined;

  switch (command) {
    case "publish": {
      const name = text("name");
      if (!name) throw new UsageError("publish needs --name NAME.", command);
      const chosenClass = text("class");
      return {
        command,
        json,
        file: operand,
        name,
        class: chosenClass === undefined ? undefined : parseClass(chosenClass),
        filename: text("filename"),
        contentType: text("content-type"),
        modelVersion: text("model-version"),
        trainingWindow: text("training-window"),
        recipientGroup: text("recipient-group"),
        labels: parseLabels((values.meta as string[] | undefined) ?? []),
      };
    }
    case "bundle":
      return { command, json, ...parseBundle(positionals, text("name")) };
    case "link": {
      const ttl = text("ttl");
      const uses = text("uses");
      return {
        command,
        json,
        ...parseLinkTarget(operand),
        ttlSeconds: ttl === undefined ? undefined : parseTtl(ttl),
        maxUses: uses === undefined ? undefined : parsePositiveInteger("--uses", uses),
        to: text("to"),
        subject: text("subject"),
        group: text("group"),
        constraints: parseConstraints({
          ip: (values.ip as string[] | undefined) ?? [],
          country: (values.country as string[] | undefined) ?? [],
          hours: text("hours"),
        }),
      };
    }
    case "approve":
    case "reject":
      return { command, json, linkId: operand, note: text("note") };
    case "revoke":
      return { command, json, ...parseRevoke(positionals[0], values) };
    case "status":
      return { command, json, linkId: operand };
    case "versions":
      return { command, json, name: operand };
    case "audit list":
      return { command, json, query: parseAuditList(values) };
    case "audit head":
      return { command, json };
    case "audit export":
      return { command, json, ...parseAuditExport(values) };
    case "audit verify":
      return { command, json, ...parseAuditVerify(operand, values) };
    case "keys create": {
      const name = text("name");
      if (!name) throw new UsageError("keys create needs --name NAME.", command);
      const scopes = text("scopes");
      if (scopes === undefined) {
        const valid = API_KEY_SCOPES.join(", ");
        throw new UsageError(`keys create needs --scopes, from ${valid}.`, command);
      }
      return { command, json, name, scopes: parseScopes(scopes) };
    }
    case "keys list":
      return { command, json };
    case "keys revoke":
      return { command, json, keyId: operand };
    case "policy show":
      return { command, json };
    case "policy set": {
      const fields = parsePolicyFields(values);
      const file = text("file");
      if (file === undefined && Object.keys(fields).length === 0) {
        throw new UsageError("policy set needs --file FILE or at least one field option.", command);
      }
      return { command, json, class: parseClass(operand, "CLASS"), file, fields };
    }
    case "policy reset":
      return { command, json, class: parseClass(operand, "CLASS") };
    case "policy settings": {
      const changes = parseSettingsChanges(values);
      const file = text("file");
      if (file !== undefined && changes.length > 0) {
        throw new UsageError("policy settings takes --file FILE or setting options, not both.");
      }
      if (file === undefined && changes.length === 0) {
        throw new UsageError("policy settings needs --file FILE or at least one setting option.");
      }
      return { command, json, file, changes };
    }
    case "subjects put":
      return { command, json, subjectId: operand, subject: parseSubjectInput(values) };
    case "subjects show":
    case "subjects deactivate":
      return { command, json, subjectId: operand };
    case "webhooks create":
    case "webhooks list":
    case "webhooks get":
    case "webhooks update":
    case "webhooks delete":
    case "webhooks rotate-secret":
    case "webhooks deliveries":
    case "webhooks replay":
      return parseWebhookCommand(command, operand, values, json);
    case "subjects list":
      return { command, json, filter: parseSubjectFilter(values) };
  }
}
