/**
 * The commands the CLI knows: their names and groups, the options each accepts and the operands
 * each takes. The parsing that uses this table is in `args.ts`.
 */
import { POLICY_FIELD_SPECS } from "./policy-options.ts";
import { SETTINGS_SPECS } from "./settings-options.ts";
import { UsageError } from "./usage.ts";
import { WEBHOOK_OPTIONS } from "./webhook-options.ts";

export const COMMAND_NAMES = [
  "publish",
  "bundle",
  "link",
  "approve",
  "reject",
  "revoke",
  "status",
  "versions",
  "audit",
  "keys",
  "policy",
  "subjects",
  "webhooks",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Groups of commands: `keys create`, `keys list`, …, `policy show`, …, `subjects put`, …. */
export const GROUPS = {
  audit: ["list", "head", "export", "verify"],
  keys: ["create", "list", "revoke"],
  policy: ["show", "set", "reset", "settings"],
  subjects: ["put", "show", "list", "deactivate"],
  webhooks: ["create", "list", "get", "update", "delete", "rotate-secret", "deliveries", "replay"],
} as const;
export type Group = keyof typeof GROUPS;
export type GroupCommand = { [G in Group]: `${G} ${(typeof GROUPS)[G][number]}` }[Group];

/** What can run: every command but the groups, plus each command in a group. */
export type Runnable = Exclude<CommandName, Group> | GroupCommand;
/** What has a help page: every command, each group and each command in it. */
export type HelpTopic = CommandName | GroupCommand;

export type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

export const COMMON: Record<string, OptionSpec> = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
};

export const OPTIONS: Record<Runnable, Record<string, OptionSpec>> = {
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
  bundle: { name: { type: "string" } },
  link: {
    ttl: { type: "string" },
    uses: { type: "string" },
    to: { type: "string" },
    subject: { type: "string" },
    group: { type: "string" },
    ip: { type: "string", multiple: true },
    country: { type: "string", multiple: true },
    hours: { type: "string" },
  },
  approve: { note: { type: "string" } },
  reject: { note: { type: "string" } },
  revoke: {
    reason: { type: "string" },
    version: { type: "string" },
    object: { type: "string" },
    subject: { type: "string" },
    everything: { type: "boolean" },
    yes: { type: "boolean" },
    note: { type: "string" },
  },
  status: {},
  versions: {},
  "audit list": {
    link: { type: "string" },
    version: { type: "string" },
    action: { type: "string" },
    outcome: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    seq: { type: "string" },
    limit: { type: "string" },
    cursor: { type: "string" },
  },
  "audit head": {},
  "audit export": {
    out: { type: "string" },
    format: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    link: { type: "string" },
    version: { type: "string" },
    action: { type: "string" },
    outcome: { type: "string" },
    force: { type: "boolean" },
  },
  "audit verify": {
    "allow-gaps": { type: "boolean" },
    head: { type: "boolean" },
    "from-start": { type: "boolean" },
  },
  "keys create": { name: { type: "string" }, scopes: { type: "string" } },
  "keys list": {},
  "keys revoke": {},
  "policy show": {},
  "policy set": { file: { type: "string" }, ...POLICY_FIELD_SPECS },
  "policy reset": {},
  "policy settings": SETTINGS_SPECS,
  "subjects put": {
    role: { type: "string", multiple: true },
    "no-roles": { type: "boolean" },
    attr: { type: "string", multiple: true },
    email: { type: "string" },
    name: { type: "string" },
  },
  "subjects show": {},
  "subjects list": {
    role: { type: "string" },
    active: { type: "boolean" },
    inactive: { type: "boolean" },
    limit: { type: "string" },
    cursor: { type: "string" },
  },
  "subjects deactivate": {},
  ...WEBHOOK_OPTIONS,
};

/** An operand's name, and whether a command takes exactly one, at most one, or one or more. */
type Operand = { name: string; count: "one" | "optional" | "many" };
const one = (name: string): Operand => ({ name, count: "one" });

/** What each command takes as operands; `null` for none. */
const OPERAND: Record<Runnable, Operand | null> = {
  publish: one("FILE"),
  bundle: { name: "VERSION_ID", count: "many" },
  link: one("VERSION_ID or BUNDLE_ID"),
  approve: one("LINK_ID"),
  reject: one("LINK_ID"),
  revoke: { name: "LINK_ID", count: "optional" },
  status: one("LINK_ID"),
  versions: one("NAME"),
  "audit list": null,
  "audit head": null,
  "audit export": null,
  "audit verify": one("FILE"),
  "keys create": null,
  "keys list": null,
  "keys revoke": one("KEY_ID"),
  "policy show": null,
  "policy set": one("CLASS"),
  "policy reset": one("CLASS"),
  "policy settings": null,
  "subjects put": one("SUBJECT_ID"),
  "subjects show": one("SUBJECT_ID"),
  "subjects list": null,
  "subjects deactivate": one("SUBJECT_ID"),
  "webhooks create": null,
  "webhooks list": null,
  "webhooks get": one("WEBHOOK_ID"),
  "webhooks update": one("WEBHOOK_ID"),
  "webhooks delete": one("WEBHOOK_ID"),
  "webhooks rotate-secret": one("WEBHOOK_ID"),
  "webhooks deliveries": one("WEBHOOK_ID"),
  "webhooks replay": one("WEBHOOK_ID"),
};

export function checkOperandCount(command: Runnable, count: number): void {
  const operand = OPERAND[command];
  if (operand === null) {
    if (count !== 0) throw new UsageError(`${command} takes no operand.`, command);
    return;
  }
  const wanted = {
    one: { fits: count === 1, what: "one" },
    optional: { fits: count <= 1, what: "at most one" },
    many: { fits: count >= 1, what: "one or more" },
  }[operand.count];
  if (!wanted.fits) {
    throw new UsageError(`${command} takes ${wanted.what} ${operand.name}.`, command);
  }
}

export function isCommand(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word);
}

export function isGroup(word: string): word is Group {
  return Object.hasOwn(GROUPS, word);
}

export function groupCommand(group: Group, action: string): GroupCommand | null {
  const actions: readonly string[] = GROUPS[group];
  return actions.includes(action) ? (`${group} ${action}` as GroupCommand) : null;
}
