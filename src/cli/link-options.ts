/**
 * `portcullis link`'s operand and constraint options: the id says whether a version or a bundle
 * is linked, and `--ip CIDR`, `--country CC` (each repeatable) and `--hours "DAYS HH:MM-HH:MM
 * ZONE"` become the API's constraints object. Anything malformed is a usage error here, so
 * nothing is sent that the gateway would refuse for its form.
 */
import ipaddr from "ipaddr.js";
import { type LinkConstraints, type LinkTarget, WEEKDAYS, type Weekday } from "../client/index.ts";
import { UsageError } from "./usage.ts";

/**
 * `portcullis link ID`: a version (`ver_…`) or a bundle (`bdl_…`), told apart by the
 * prefix.
 */
export function parseLinkTarget(id: string): LinkTarget {
  if (id.startsWith("ver_")) return { versionId: id };
  if (id.startsWith("bdl_")) return { bundleId: id };
  throw new UsageError(`"${id}" is neither a version id (ver_…) nor a bundle id (bdl_…).`);
}

const HOURS_EXAMPLE = '"mon-fri 08:00-18:00 America/New_York"';

export function parseIpRange(text: string): string {
  const cidr = text.trim();
  if (!ipaddr.isValidCIDR(cidr)) {
    throw new UsageError(`--ip "${text}" is not a CIDR range, e.g. 10.20.0.0/16 or 2001:db8::/32.`);
  }
  return cidr;
}

export function parseCountry(text: string): string {
  if (!/^[A-Za-z]{2}$/.test(text.trim())) {
    throw new UsageError(`--country "${text}" is not a two-letter ISO 3166-1 code, e.g. US.`);
  }
  return text.trim().toUpperCase();
}

function weekday(text: string, hours: string): Weekday {
  const day = WEEKDAYS.find((name) => name === text.toLowerCase());
  if (!day) {
    throw new UsageError(
      `--hours "${hours}": "${text}" is not a day; use ${WEEKDAYS.join(", ")}, ` +
        "e.g. mon-fri or sat,sun.",
    );
  }
  return day;
}

/** `mon-fri`, `sat,sun`, `mon-wed,fri`; a range may wrap past Sunday (`fri-mon`). */
function parseDays(text: string, hours: string): Weekday[] {
  const chosen = new Set<Weekday>();
  for (const part of text.split(",")) {
    const [first, last, ...extra] = part.split("-");
    if (first === undefined || extra.length > 0) weekday(part, hours);
    const start = WEEKDAYS.indexOf(weekday(first ?? "", hours));
    const end = last === undefined ? start : WEEKDAYS.indexOf(weekday(last, hours));
    for (let day = start; ; day = (day + 1) % 7) {
      chosen.add(WEEKDAYS[day] as Weekday);
      if (day === end) break;
    }
  }
  return WEEKDAYS.filter((day) => chosen.has(day));
}

function clockTime(text: string, hours: string): string {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) {
    throw new UsageError(`--hours "${hours}": "${text}" is not a 24-hour time HH:MM.`);
  }
  return `${match[1]?.padStart(2, "0")}:${match[2]}`;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `"mon-fri 08:00-18:00 America/New_York"`: days, a same-day window, an IANA time zone. */
export function parseHours(text: string): NonNullable<LinkConstraints["hours"]> {
  const parts = text.trim().split(/\s+/);
  const [days, window, timeZone] = parts;
  if (parts.length !== 3 || !days || !window || !timeZone) {
    throw new UsageError(`--hours "${text}" is not DAYS HH:MM-HH:MM ZONE, e.g. ${HOURS_EXAMPLE}.`);
  }
  const [from, to, ...extra] = window.split("-");
  if (from === undefined || to === undefined || extra.length > 0) {
    throw new UsageError(`--hours "${text}": "${window}" is not a window HH:MM-HH:MM.`);
  }
  const hours = {
    days: parseDays(days, text),
    from: clockTime(from, text),
    to: clockTime(to, text),
    timeZone,
  };
  if (hours.from >= hours.to) {
    throw new UsageError(`--hours "${text}": the window must end after it starts, within one day.`);
  }
  if (!isTimeZone(timeZone)) {
    throw new UsageError(
      `--hours "${text}": "${timeZone}" is not an IANA time zone, e.g. America/New_York or UTC.`,
    );
  }
  return hours;
}

/** The constraints object from the options given, or undefined when none was. */
export function parseConstraints(options: {
  ip: readonly string[];
  country: readonly string[];
  hours: string | undefined;
}): LinkConstraints | undefined {
  const constraints: LinkConstraints = {};
  if (options.ip.length > 0) constraints.ipRanges = options.ip.map(parseIpRange);
  if (options.country.length > 0) {
    constraints.countries = [...new Set(options.country.map(parseCountry))];
  }
  if (options.hours !== undefined) constraints.hours = parseHours(options.hours);
  return Object.keys(constraints).length > 0 ? constraints : undefined;
}
