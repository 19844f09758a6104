/**
 * Rule: a download from an unusual location. A `download.started` raises
 * `alert.unusual_location` when its link's history within the look-back window does not include
 * its country or its client address.
 *
 * The history is the link's earlier `download.started` events, by occurrence time. Views do not
 * count: a browser views the landing page right before it downloads, from the same address, so
 * counting views would make every download look familiar, a forwarded link's too. Hence:
 *
 * - no earlier download within the window: quiet (the first download sets the baseline);
 * - a new country only counts when both this event and some earlier download have one: the edge
 *   may not know the country (it is null locally), and unknown is not "different";
 * - the address is compared exactly as the edge reports it; a new address alone alerts too
 *   (`reason` says which: `new_country` wins when both are new).
 */
import { and, eq, gte, lt, sql } from "drizzle-orm";
import { auditEvents } from "../db/schema.ts";
import type { AlertRule } from "./rule.ts";

/** Enough distinct places for any real link; a link downloaded from more is unusual anyway. */
const HISTORY_LIMIT = 500;
/** How many of the places seen an alert lists. */
const LISTED = 10;

export const unusualLocation: AlertRule = async ({ db, event, settings }) => {
  const { enabled, lookBackSeconds } = settings.unusualLocation;
  if (!enabled || event.action !== "download.started" || !event.linkId) return [];

  const history = await db
    .selectDistinct({ clientIp: auditEvents.clientIp, country: auditEvents.country })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.tenantId, event.tenantId ?? ""),
        eq(auditEvents.linkId, event.linkId),
        // The unary plus keeps SQLite off the (tenant, action) index, which would read every
        // link's downloads in the window; the (tenant, link, time) index reads only this link's.
        sql`+${auditEvents.action} = ${"download.started"}`,
        gte(auditEvents.occurredAt, event.occurredAt - lookBackSeconds * 1000),
        lt(auditEvents.occurredAt, event.occurredAt),
      ),
    )
    .limit(HISTORY_LIMIT)
    .all();
  if (history.length === 0) return [];

  const countries = new Set(history.flatMap((row) => (row.country ? [row.country] : [])));
  const addresses = new Set(history.flatMap((row) => (row.clientIp ? [row.clientIp] : [])));
  const newCountry = event.country !== null && countries.size > 0 && !countries.has(event.country);
  const newAddress = event.clientIp !== null && !addresses.has(event.clientIp);
  if (!newCountry && !newAddress) return [];

  return [
    {
      key: "unusual_location",
      action: "alert.unusual_location",
      reason: newCountry ? "new_country" : "new_address",
      aboutLink: true,
      detail: {
        country: event.country,
        address: event.clientIp,
        newCountry,
        newAddress,
        seenCountries: [...countries].sort().slice(0, LISTED),
        seenAddresses: [...addresses].sort().slice(0, LISTED),
        lookBackSeconds,
      },
    },
  ];
};
