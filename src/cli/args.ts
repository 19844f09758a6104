/**
 * The command line, parsed: which command, its operand and its options, checked and converted
 * before any file is opened or any request is sent. Everything here is pure, so a mistake on the
 * command line is always a {@link UsageError} (exit status 2) and never half a side effect.
 */
import { parseArgs } from "node:util";
import type { ApiKeyScope, AuditQuery } from "../client/index.ts";
import { API_KEY_SCOPES, SENSITIVITY_CLASSES, type SensitivityClass } from "../client/index.ts";

export class UsageError extends Error {
  readonly code = "usage";
  /** The command whose help to point at, when the mistake was within one. */
  readonly command: HelpTopic | null;

  constructor(message: string, command: HelpTopic | null = null) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

export const COMMAND_NAMES = [
  "publish",
  "link",
  "revoke",
  "status",
  "versions",
  "audit",
  "keys",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** `keys` is a group: `keys create`, `keys list`, `keys revoke`. */
export const KEY_ACTIONS = ["create", "list", "revoke"] as const;
type KeyCommand = `keys ${(typeof KEY_ACTIONS)[number]}`;

/** What can run: every command but the `keys` group, plus each command in that group. */
type Runnable = Exclude<CommandName, "keys"> | KeyCommand;
/** What has a help page: every command, the `keys` group and each command in it. */
export type HelpTopic = CommandName | KeyCommand;

export type Invocation =
  | { command: "help"; topic: HelpTopic | null }
  | ({ command: "publish"; json: boolean } & PublishArgs)
  | {
      command: "link";
      json: boolean;
      versionId: string;
      ttlSeconds?: number;
      maxUses?: number;
      to?: string;
    }
  | { command: "revoke"; json: boolean; linkId: string; reason?: string }
  | { command: "status"; json: boolean; linkId: string }
  | { command: "versions"; json: boolean; name: string }
  | { command: "audit"; json: boolean; query: AuditQuery }
  | { command: "keys create"; json: boolean; name: string; scopes: ApiKeyScope[] }
  | { command: "keys list"; json: boolean }
  | { command: "keys revoke"; json: boolean; keyId: string };

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

type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

const COMMON: Record<string, OptionSpec> = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
};

const OPTIONS: Record<Runnable, Record<string, OptionSpec>> = {
  publish: {
    name: { type: "string" },
    class: { type: "string" },
    filename: { type: "string" },
    "content-type": { type: "string" },
    "model-version": { type: "string" },
    "training-window": { type: "string" },
    "recipient-group": { type: "string" },
    meta: { type: "string", multiple: true },
  },
  link: { ttl: { type: "string" }, uses: { type: "string" }, to: { type: "string" } },
  revoke: { reason: { type: "string" } },
  status: {},
  versions: {},
  audit: {
    link: { type: "string" },
    version: { type: "string" },
    action: { type: "string" },
    outcome: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    limit: { type: "string" },
    cursor: { type: "string" },
  },
  "keys create": { name: { type: "string" }, scopes: { type: "string" } },
  "keys list": {},
  "keys revoke": {},
};

/** What each command takes as its one operand; `null` for none. */
const OPERAND: Record<Runnable, string | null> = {
  publish: "FILE",
  link: "VERSION_ID",
  revoke: "LINK_ID",
  status: "LINK_ID",
  versions: "NAME",
  audit: null,
  "keys create": null,
  "keys list": null,
  "keys revoke": "KEY_ID",
};

const TTL_UNITS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `30m`, `2h`, `7d` or plain seconds, as a whole number of seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (TTL_UNITS[match[2] ?? ""] ?? Number.NaN) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new UsageError(`--ttl "${text}" is not a duration; use e.g. 90s, 30m, 2h, 7d or 3600.`);
  }
  return seconds;
}

export function parsePositiveInteger(option: string, text: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${option} "${text}" is not a whole number of at least 1.`);
  }
  return value;
}

/** `--meta key=value`, repeatable; a key given twice is a mistake, not an override. */
export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf("=");
    const key = separator > 0 ? pair.slice(0, separator) : "";
    if (!key) throw new UsageError(`--meta "${pair}" is not key=value.`);
    if (Object.hasOwn(labels, key)) {
      throw new UsageError(`--meta "${key}" is given twice.`);
    }
    labels[key] = pair.slice(separator + 1);
  }
  return labels;
}

/** `--scopes publish,issue`: known scopes, each once; the error lists the valid ones. */
export function parseScopes(text: string): ApiKeyScope[] {
  const scopes: ApiKeyScope[] = [];
  for (const word of text.split(",").map((part) => part.trim())) {
    const scope = API_KEY_SCOPES.find((known) => known === word);
    if (!scope) {
      const what = word ? `"${word}" is not a scope` : "a scope is empty";
      throw new UsageError(`--scopes: ${what}; valid scopes are ${API_KEY_SCOPES.join(", ")}.`);
    }
    if (scopes.includes(scope)) throw new UsageError(`--scopes: "${scope}" is given twice.`);
    scopes.push(scope);
  }
  return scopes;
}

function parseClass(text: string): SensitivityClass {
  const found = SENSITIVITY_CLASSES.find((name) => name === text);
  if (!found) {
    throw new UsageError(`--class must be one of ${SENSITIVITY_CLASSES.join(", ")}.`);
  }
  return found;
}

function isCommand(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word);
}

function isKeyAction(word: string): word is (typeof KEY_ACTIONS)[number] {
  return (KEY_ACTIONS as readonly string[]).includes(word);
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
    if (topic !== "keys" || action === undefined) return { command: "help", topic };
    if (!isKeyAction(action)) throw new UsageError(`There is no command "keys ${action}".`);
    return { command: "help", topic: `keys ${action}` };
  }
  if (!isCommand(first)) {
    throw new UsageError(
      first.startsWith("-")
        ? `"${first}" must follow a command.`
        : `There is no command "${first}".`,
    );
  }
  if (first === "keys") return parseKeysCommand(rest);
  return parseCommand(first, rest);
}

function parseKeysCommand(args: readonly string[]): Invocation {
  const [action, ...rest] = args;
  if (action === undefined || action === "--help" || action === "-h") {
    return { command: "help", topic: "keys" };
  }
  if (!isKeyAction(action)) {
    throw new UsageError(`keys takes ${KEY_ACTIONS.join(", ")}, not "${action}".`, "keys");
  }
  return parseCommand(`keys ${action}`, rest);
}

function parseCommand(command: Runnable, args: readonly string[]): Invocation {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...COMMON, ...OPTIONS[command] },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs says what is wrong in its first sentence, then adds advice about "--".
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message.split(". ")[0]?.replace(/\.$/, "")}.`, command);
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) return { command: "help", topic: command };
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

function toInvocation(
  command: Runnable,
  positionals: readonly string[],
  values: Record<string, string | string[] | boolean | undefined>,
): Invocation {
  const operandName = OPERAND[command];
  const expected = operandName === null ? 0 : 1;
  if (positionals.length !== expected) {
    const what = operandName === null ? "no operand" : `one ${operandName}`;
    throw new UsageError(`${command} takes ${what}.`, command);
  }
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
    case "link": {
      const ttl = text("ttl");
      const uses = text("uses");
      return {
        command,
        json,
        versionId: operand,
        ttlSeconds: ttl === undefined ? undefined : parseTtl(ttl),
        maxUses: uses === undefined ? undefined : parsePositiveInteger("--uses", uses),
        to: text("to"),
      };
    }
    case "revoke":
      return { command, json, linkId: operand, reason: text("reason") };
    case "status":
      return { command, json, linkId: operand };
    case "versions":
      return { command, json, name: operand };
    case "audit": {
      const limit = text("limit");
      const query: AuditQuery = {
        linkId: text("link"),
        versionId: text("version"),
        action: text("action"),
        outcome: text("outcome"),
        from: text("from"),
        to: text("to"),
        cursor: text("cursor"),
        limit: limit === undefined ? undefined : parsePositiveInteger("--limit", limit),
      };
      return { command, json, query };
    }
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
  }
}
