/**
 * The retention sweep, run by the cron trigger: versions whose retention has ended lose their
 * bytes in R2, every live link to them or to a bundle holding them is revoked (reason
 * `retention_ended`), and the version is marked purged with a `version.purged` audit event. The
 * record itself is kept, so the audit log can still say what existed and who had it.
 */
import { and, eq, inArray, isNull, lte, or } from "drizzle-orm";
import { buildAuditEvent, SYSTEM_ORIGIN } from "../audit/events.ts";
import { insertAuditEvents } from "../audit/store.ts";
import { database } from "../db/client.ts";
import { bundleMembers, links, versions } from "../db/schema.ts";
import { createLogger, describeError } from "../http/logger.ts";
import { linkGuard } from "../links/guard-client.ts";

/** Versions handled per run; the next hourly run continues where this one stopped. */
const SWEEP_BATCH = 100;

export async function runRetentionSweep(env: Env, now = Date.now()): Promise<number> {
  const db = database(env.DB);
  const logger = createLogger({ component: "retention-sweep" });
  const due = await db
    .select()
    .from(versions)
    .where(and(isNull(versions.purgedAt), lte(versions.retainUntil, now)))
    .limit(SWEEP_BATCH)
    .all();

  let purged = 0;
  for (const version of due) {
    try {
      // Links to the version itself, and links to any bundle that contains it: a bundle missing
      // a member could only fail part-way through its download.
      const bundlesWithVersion = db
        .select({ bundleId: bundleMembers.bundleId })
        .from(bundleMembers)
        .where(eq(bundleMembers.versionId, version.id));
      const versionLinks = await db
        .select({ id: links.id })
        .from(links)
        .where(
          and(
            eq(links.tenantId, version.tenantId),
            or(eq(links.versionId, version.id), inArray(links.bundleId, bundlesWithVersion)),
          ),
        )
        .all();
      for (const link of versionLinks) {
        await linkGuard(env, link.id).revoke(SYSTEM_ORIGIN, "version_purged");
      }
      await env.FILES.delete(version.storageKey);

      const event = buildAuditEvent(
        {
          tenantId: version.tenantId,
          versionId: version.id,
          action: "version.purged",
          outcome: "succeeded",
          reason: "retention_ended",
          detail: { linksRevoked: versionLinks.length, retainUntil: version.retainUntil },
        },
        SYSTEM_ORIGIN,
        now,
      );
      await db.batch([
        db.update(versions).set({ purgedAt: now }).where(eq(versions.id, version.id)),
        insertAuditEvents(db, [event]),
      ]);
      purged += 1;
    } catch (error) {
      // One failing version must not stop the others; it stays due and is retried next run.
      logger.error("version purge failed", { versionId: version.id, ...describeError(error) });
    }
  }
  if (due.length > 0) logger.info("retention sweep finished", { due: due.length, purged });
  return purged;
}
