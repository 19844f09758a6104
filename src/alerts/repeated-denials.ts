/**
 * Rule: repeated denied downloads. A `download.denied` (at confirmation or within a session) that
 * brings the denials of its link, or from its client address across the tenant, to the threshold
 * within the window raises `alert.repeated_denials`.
 *
 * Denied landing-page views do not count: mail scanners and link previews open every URL they
 * see, so views would raise alerts nobody attempted; a download is always an explicit POST.
 *
 * Once per crossing: a subject (a link, or an address) that already has an alert triggered
 * within one window of this denial, before or after it, gets no second one. Looking both ways
 * keeps the answer the same when events are evaluated out of order (a LinkGuard's outbox can
 * deliver late) or twice.
 */
import { and, count, eq, gt, lt, lte, type SQL } from "drizzle-orm";
import { auditEvents } from "../db/schema.ts";
import type { AlertDraft } from "./alert-events.ts";
import type { AlertRule, RuleInput } from "./rule.ts";

type Subject = "link" | "address";

const REASONS: Record<Subject, string> = {
  link: "denials_on_link",
  address: "denials_from_address",
};

async function checkSubject(
  { db, event, settings }: RuleInput,
  subject: Subject,
  match: SQL,
): Promise<AlertDraft | null> {
  const { perLink, perAddress, windowSeconds } = settings.repeatedDenials;
  const threshold = subject === "link" ? perLink : perAddress;
  const window = windowSeconds * 1000;
  const tenant = eq(auditEvents.tenantId, event.tenantId ?? "");

  const denials = await db
    .select({ n: count() })
    .from(auditEvents)
    .where(
      and(
        tenant,
        match,
        eq(auditEvents.action, "download.denied"),
        gt(auditEvents.occurredAt, event.occurredAt - window),
        lte(auditEvents.occurredAt, event.occurredAt),
      ),
    )
    .get();
  const denied = denials?.n ?? 0;
  if (denied < threshold) return null;

  const earlier = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(
      and(
        tenant,
        match,
        eq(auditEvents.action, "alert.repeated_denials"),
        eq(auditEvents.reason, REASONS[subject]),
        gt(auditEvents.occurredAt, event.occurredAt - window),
        lt(auditEvents.occurredAt, event.occurredAt + window),
      ),
    )
    .limit(1)
    .get();
  if (earlier) return null;

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
