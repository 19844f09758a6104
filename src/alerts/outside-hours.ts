/**
 * Rule: a download outside its class's hours. A `download.started` whose time, in the zone of its
 * class's weekly schedule (tenant settings), falls outside the schedule raises
 * `alert.outside_hours`. Classes without a schedule never alert. The schedule has the shape and
 * meaning of a link's `hours` constraint (src/links/constraints.ts), which refuses instead; this
 * only tells.
 */
import { and, eq } from "drizzle-orm";
import { links } from "../db/schema.ts";
import { localClock, withinHours } from "../links/constraints.ts";
import { classSchema } from "../policy/classes.ts";
import type { AlertRule } from "./rule.ts";

export const outsideHours: AlertRule = async ({ db, event, settings }) => {
  const { enabled, classes } = settings.outsideHours;
  if (!enabled || event.action !== "download.started" || !event.linkId) return [];
  // Most tenants set no schedule: they need no D1 read at all.
  if (Object.keys(classes).length === 0) return [];

  const link = await db
    .select({ class: links.class })
    .from(links)
    .where(and(eq(links.id, event.linkId), eq(links.tenantId, event.tenantId ?? "")))
    .get();
  const sensitivityClass = classSchema.safeParse(link?.class);
  if (!sensitivityClass.success) return [];
  const hours = classes[sensitivityClass.data];
  if (!hours || withinHours(hours, event.occurredAt)) return [];

  const { day, time } = localClock(event.occurredAt, hours.timeZone);
  return [
    {
      key: "outside_hours",
      action: "alert.outside_hours",
      reason: "outside_class_hours",
      aboutLink: true,
      detail: { class: sensitivityClass.data, hours, localDay: day, localTime: time },
    },
  ];
};
