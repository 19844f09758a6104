/**
 * How the recipient pages write sizes and times: decimal units and exact byte counts, absolute UTC
 * times and rounded-down relative ones, all independent of the server's locale.
 */

const UNITS = ["kB", "MB", "GB", "TB"] as const;

/** Decimal units, as file managers on most systems show them: `12.4 MB`, `999 bytes`. */
export function formatBytes(size: number): string {
  if (size < 1000) return size === 1 ? "1 byte" : `${size} bytes`;
  let value = size / 1000;
  let unit = 0;
  // Move up a unit before rounding could print "1000 kB".
  while (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, "");
  return `${shown} ${UNITS[unit]}`;
}

/** The exact length with thousands separators, independent of the server's locale. */
export function formatExactBytes(size: number): string {
  const grouped = String(size).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped} ${size === 1 ? "byte" : "bytes"}`;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Thu 3 Dec 2026, 19:30 UTC`: unambiguous in every locale, which a server cannot guess. */
export function formatUtc(epochMs: number): string {
  const at = new Date(epochMs);
  const time = `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
  const day = `${WEEKDAYS[at.getUTCDay()]} ${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]}`;
  return `${day} ${at.getUTCFullYear()}, ${time} UTC`;
}

/**
 * `in 3 hours`, `in 2 hours 59 minutes`, `5 minutes ago`: at most two units, always rounded
 * down, so a page never promises more time than the link has left.
 */
export function relativeTime(target: number, now: number): string {
  const minutes = Math.floor(Math.abs(target - now) / 60_000);
  const future = target > now;
  if (minutes < 1) return future ? "in less than a minute" : "less than a minute ago";

  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const parts =
    days > 0
      ? [count(days, "day"), count(hours, "hour")]
      : [count(hours, "hour"), count(minutes % 60, "minute")];
  const phrase = parts.filter((part) => part !== "").join(" ");
  return future ? `in ${phrase}` : `${phrase} ago`;
}

function count(amount: number, unit: string): string {
  if (amount === 0) return "";
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
