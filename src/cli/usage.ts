/**
 * Mistakes on the command line — exit status 2 and a pointer to the help — and the parsers of
 * option values that several commands share.
 */
import { API_KEY_SCOPES, type ApiKeyScope } from "../client/index.ts";
import type { HelpTopic } from "./args.ts";

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

const DURATION_UNITS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `30m`, `2h`, `7d` or plain seconds, as a whole number of seconds; `option` names it. */
export function parseDuration(option: string, text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match
    ? Number(match[1]) * (DURATION_UNITS[match[2] ?? ""] ?? Number.NaN)
    : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new UsageError(
      `${option} "${text}" is not a duration; use e.g. 90s, 30m, 2h, 7d or 3600.`,
    );
  }
  return seconds;
}

/** `text` as a whole number written in digits, or NaN: no sign, fraction or exponent. */
export function wholeNumber(text: string): number {
  // Digits only: " 5" or "5 " is a typo, as the API judges it too.
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(value) ? value : Number.NaN;
}

/** A whole number of at least `min` (1 unless said otherwise). */
export function parsePositiveInteger(option: string, text: string, min = 1): number {
  const value = wholeNumber(text);
  if (!(value >= min)) {
    throw new UsageError(`${option} "${text}" is not a whole number of at least ${min}.`);
  }
  return value;
}

/** `--limit N` of a list whose pages hold at most `most` items, checked before it is sent. */
export function parsePageLimit(text: string, most: number): number {
  const limit = wholeNumber(text);
  if (limit > most) throw new UsageError(`--limit "${text}" is more than ${most}, a page's most.`);
  if (!(limit >= 1)) {
    throw new UsageError(`--limit must be a whole number from 1 to ${most}, not "${text}".`);
  }
  return limit;
}

/** `--meta key=value`, repeatable; a key given twice is a mistake, not an override. */
export function parseLabels(pairs: readonly string[]): Record<string, string> {
  return parsePairs("--meta", pairs);
}

/** `key=value` options, split at the first `=`; `option` names them in errors. */
export function parsePairs(option: string, pairs: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf("=");
    const key = separator > 0 ? pair.slice(0, separator) : "";
    if (!key) throw new UsageError(`${option} "${pair}" is not key=value.`);
    if (Object.hasOwn(values, key)) {
      throw new UsageError(`${option} "${key}" is given twice.`);
    }
    values[key] = pair.slice(separator + 1);
  }
  return values;
}

/** A repeatable option whose values form a set: each may be given once. */
export function parseDistinct(option: string, values: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new UsageError(`${option} "${value}" is given twice.`);
    seen.add(value);
  }
  return [...seen];
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
