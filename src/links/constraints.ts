/**
 * Contextual constraints on a link, checked by LinkGuard: the client's address must fall in one
 * of a list of CIDR ranges (IPv4 or IPv6), the request's country (from the edge's request data)
 * must be in an allow list, and the time must fall in an allowed weekly window in a named time
 * zone (so daylight saving is the zone's business, not ours).
 *
 * Every constraint is checked when a use is confirmed. Address and country are checked again at
 * every fetch of a download session, so a session URL carried off the allowed network is useless;
 * the hours are not, so a download started inside the window may finish after it closes.
 */

import { z } from "@hono/zod-openapi";
import ipaddr from "ipaddr.js";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Weekday = (typeof WEEKDAYS)[number];

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use 24-hour HH:MM.")
  .openapi({ example: "08:00" });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const allowedHoursSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7),
    from: clockTime,
    to: clockTime,
    timeZone: z.string().min(1).max(64).refine(isTimeZone, "Not an IANA time zone name."),
  })
  .strict()
  .refine((hours) => hours.from < hours.to, "`from` must be before `to` (same day).")
  .openapi("AllowedHours", {
    description: "Days of the week and a same-day window, in the named time zone.",
  });

export const constraintsSchema = z
  .object({
    ipRanges: z
      .array(z.string().refine((cidr) => ipaddr.isValidCIDR(cidr), "Not a CIDR range."))
      .min(1)
      .max(50)
      .optional()
      .openapi({ example: ["10.20.0.0/16", "2001:db8::/32"] }),
    countries: z
      .array(z.string().regex(/^[A-Z]{2}$/, "Use ISO 3166-1 alpha-2 codes, e.g. US."))
      .min(1)
      .max(50)
      .optional(),
    hours: allowedHoursSchema.optional(),
  })
  .strict()
  .openapi("LinkConstraints");

export type LinkConstraints = z.infer<typeof constraintsSchema>;
export type AllowedHours = z.infer<typeof allowedHoursSchema>;
export type ConstraintName = keyof LinkConstraints;
export const CONSTRAINT_NAMES = [
  "ipRanges",
  "countries",
  "hours",
] as const satisfies ConstraintName[];

export type ConstraintDenial =
  | "address_not_allowed"
  | "country_not_allowed"
  | "outside_allowed_hours";

export interface RequestContext {
  ip: string | null;
  country: string | null;
}

function addressAllowed(ip: string | null, ranges: readonly string[]): boolean {
  if (!ip || !ipaddr.isValid(ip)) return false;
  // ipaddr.process turns an IPv4-mapped IPv6 address back into IPv4, as clients expect.
  const address = ipaddr.process(ip);
  return ranges.some((cidr) => {
    const [network, prefix] = ipaddr.parseCIDR(cidr);
    return address.kind() === network.kind() && address.match(network, prefix);
  });
}

/** The weekday and HH:MM of `at` in `timeZone`. */
export function localClock(at: number, timeZone: string): { day: Weekday; time: string } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = part("weekday").toLowerCase().slice(0, 3) as Weekday;
  return { day, time: `${part("hour")}:${part("minute")}` };
}

/** Whether `now` falls inside the weekly hours, in their time zone. */
export function withinHours(hours: AllowedHours, now: number): boolean {
  const { day, time } = localClock(now, hours.timeZone);
  return hours.days.includes(day) && time >= hours.from && time < hours.to;
}

/** The first constraint the request breaks, or null when it satisfies them all. */
export function checkConstraints(
  constraints: LinkConstraints,
  request: RequestContext,
  now: number,
  options: { hours: boolean } = { hours: true },
): ConstraintDenial | null {
  if (constraints.ipRanges && !addressAllowed(request.ip, constraints.ipRanges)) {
    return "address_not_allowed";
  }
  if (constraints.countries && !constraints.countries.includes(request.country ?? "")) {
    return "country_not_allowed";
  }
  if (options.hours && constraints.hours && !withinHours(constraints.hours, now)) {
    return "outside_allowed_hours";
  }
  return null;
}
