/**
 * `portcullis policy show|set|reset`: the tenant's class policies, read as a block per class and
 * changed one class at a time. `set` starts from the class's current effective policy (or from
 * a file holding a whole policy) and changes only the fields given.
 */
import {
  type ClassPolicy,
  type PortcullisClient,
  SENSITIVITY_CLASSES,
  type SensitivityClass,
  type TenantPolicy,
} from "../client/index.ts";
import type { PolicySetArgs } from "./args.ts";
import { formatFields } from "./format.ts";
import { readJsonObjectFile } from "./json-file.ts";
import type { Outcome } from "./outcome.ts";
import { describeSettings } from "./settings-commands.ts";

/** Said after every change: what the person must not assume about links already out there. */
const EXISTING_LINKS_NOTICE =
  "Links issued before this change keep the terms they were issued with; revoke them to end them.";

/** 86400 → "1d", 5400 → "90m": the largest unit that divides the seconds exactly. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

const yesNo = (value: boolean) => (value ? "yes" : "no");
const ttl = formatDuration;

/** One class's policy as aligned, indented lines under a heading naming its source. */
export function describeClassPolicy(
  sensitivityClass: SensitivityClass,
  policy: ClassPolicy,
  source: string,
): string {
  const fields: [string, string][] = [
    ["lifetime", `default ${ttl(policy.defaultTtlSeconds)}, max ${ttl(policy.maxTtlSeconds)}`],
    ["uses", `default ${policy.defaultUses}, max ${policy.maxUses}`],
    ["session grace", formatDuration(policy.sessionGraceSeconds)],
    ["retries after lapse", String(policy.retriesAfterLapse)],
    ["identity required", yesNo(policy.identityRequired)],
    [
      "approval required",
      policy.approvalRequired ? `yes, within ${formatDuration(policy.approvalTtlSeconds)}` : "no",
    ],
    ["required constraints", policy.requiredConstraints.join(", ") || "none"],
    [
      "retention",
      policy.retentionSeconds === null ? "forever" : formatDuration(policy.retentionSeconds),
    ],
    ["summary", policy.summary],
  ];
  const lines = formatFields(fields)
    .split("\n")
    .map((line) => `  ${line}`);
  return [`${sensitivityClass} (${source})`, ...lines].join("\n");
}

export function describePolicy(policy: TenantPolicy): string {
  const classes = SENSITIVITY_CLASSES.map((name) =>
    describeClassPolicy(name, policy.classes[name], policy.sources[name]),
  );
  return [...classes, describeSettings(policy.settings)].join("\n\n");
}

function describeClassOf(policy: TenantPolicy, name: SensitivityClass): string {
  return describeClassPolicy(name, policy.classes[name], policy.sources[name]);
}

async function readPolicyFile(path: string): Promise<ClassPolicy> {
  const policy = await readJsonObjectFile(path, "invalid_policy_file", "one class's policy");
  return policy as ClassPolicy;
}

export async function showPolicy(client: PortcullisClient): Promise<Outcome> {
  const policy = await client.getPolicy();
  return { json: policy, text: describePolicy(policy) };
}

export async function setPolicy(client: PortcullisClient, args: PolicySetArgs): Promise<Outcome> {
  const base = args.file === undefined ? undefined : await readPolicyFile(args.file);
  const current = await client.getPolicy();
  const before = current.classes[args.class];
  const policy = { ...(base ?? before), ...args.fields };

  const after = await client.putPolicy({ [args.class]: policy });
  const changed = JSON.stringify(after.classes[args.class]) !== JSON.stringify(before);
  const heading = changed
    ? `Changed the ${args.class} policy.`
    : `The ${args.class} policy already was this; nothing changed.`;
  return {
    json: after,
    text: `${heading}\n${describeClassOf(after, args.class)}`,
    ...(changed ? { notice: EXISTING_LINKS_NOTICE } : {}),
  };
}

export async function resetPolicy(
  client: PortcullisClient,
  sensitivityClass: SensitivityClass,
): Promise<Outcome> {
  const wasTenant = (await client.getPolicy()).sources[sensitivityClass] === "tenant";
  const after = await client.resetPolicy(sensitivityClass);
  const heading = wasTenant
    ? `The ${sensitivityClass} policy is the built-in one again.`
    : `The ${sensitivityClass} policy already was the built-in one; nothing changed.`;
  return {
    json: after,
    text: `${heading}\n${describeClassOf(after, sensitivityClass)}`,
    ...(wasTenant ? { notice: EXISTING_LINKS_NOTICE } : {}),
  };
}
