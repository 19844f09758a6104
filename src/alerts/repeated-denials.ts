/**
 * Rule: repeated denied downloads. A `download.denied` (at confirmation or within a session) that
 * brings the denials of its link, or from its client address across the tenant, to the threshold
 * within the window raises `alert.repeated_denials`.
 *
 * Denied landing-page views do not count: mail scanners and link previews open every URL they
 * see, so views would raise alerts for attempts nobody made; a download is always a deliberate
 * POST or session fetch.
 *
 * Once per crossing: a denial alerts when the window ending at it holds the threshold and the
 * window ending at the subject's previous denial did not. Later denials while the rate stays up
 * are the same crossing; a new alert needs the rate to fall below the threshold first. This is
 * decided from the denials alone, never from alerts already raised, so two events evaluated at
 * once, or one evaluated twice, can never both alert. Events are ordered by time, then id.
 */
import { and, count, desc, eq, gt, type SQL, sql } from "drizzle-orm";
import { auditEvents } from "../db/schema.ts";
import type { AlertDraft } from "./alert-events.ts";
import type { AlertRule, RuleInput } from "./rule.ts";

type Subject = "link" | "address";

const REASONS: Record<Subject, string> = {
  link: "denials_on_link",
  address: "denials_from_address",
};

interface Point {
  occurredAt: number;
  id: string;
}

/**
 * Events strictly before `point`, in (time, id) order. Row values, unlike the equivalent OR,
 * become a range on the index.
 */
function before(point: Point): SQL {
  return sql`(${auditEvents.occurredAt}, ${auditEvents.id}) < (${point.occurredAt}, ${point.id})`;
}

function atOrBefore(point: Point): SQL {
  return sql`(${auditEvents.occurredAt}, ${auditEvents.id}) <= (${point.occurredAt}, ${point.id})`;
}

async function checkSubject(
  { db, event, settings }: RuleInput,
  subject: Subject,
  match: SQL,
): Promise<AlertDraft | null> {
  const { perLink, perAddress, windowSeconds } = settings.repeatedDenials;
  const threshold = subject === "link" ? perLink : perAddress;
  const window = windowSeconds * 1000;
  const denials = and(
    eq(auditEvents.tenantId, event.tenantId ?? ""),
    match,
    // The unary plus keeps SQLite on the subject's own index (link or address) rather than the
    // (tenant, action) one, which would read every denial of the tenant in the window.
    sql`+${auditEvents.action} = ${"download.denied"}`,
  );

  /** How many of the subject's denials fall in the window that ends at `point`. */
  const countEndingAt = async (point: Point) => {
    const row = await db
      .select({ n: count() })
      .from(auditEvents)
      .where(and(denials, gt(auditEvents.occurredAt, point.occurredAt - window), atOrBefore(point)))
      .get();
    return row?.n ?? 0;
  };

  const denied = await countEndingAt(event);
  if (denied < threshold) return null;

  const previous = await db
    .select({ occurredAt: auditEvents.occurredAt, id: auditEvents.id })
    .from(auditEvents)
    .where(and(denials, before(event)))
    .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
    .limit(1)
    .get();
  if (previous && (await countEndingAt(previous)) >= threshold) return null;

  return {
    key: `repeated_denials.${subject}`,
    action: "alert.repeated_denials",
    reason: REASONS[subject],
    aboutLink: subject === "link",
    detail: {
      subject,
      ...(subject === "link" ? { linkId: event.linkId } : { address: event.clientIp }),
      count: denied,
      threshold,
      windowSeconds,
    },
  };
}

export const repeatedDenials: AlertRule = async (input) => {
  const { event, settings } = input;
  if (!settings.repeatedDenials.enabled || event.action !== "download.denied") return [];

  const checks: Promise<AlertDraft | null>[] = [];
  if (event.linkId) {
    checks.push(checkSubject(input, "link", eq(auditEvents.linkId, event.linkId)));
  }
  if (event.clientIp) {
    checks.push(checkSubject(input, "address", eq(auditEvents.clientIp, event.clientIp)));
  }
  return (await Promise.all(checks)).filter((draft) => draft !== null);
};
