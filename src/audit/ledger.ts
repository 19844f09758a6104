/**
 * AuditLedger: the Durable Object that keeps one tenant's audit chain (named by the tenant id).
 *
 * Responsibilities:
 * - hold an outbox for events that no D1 transaction carries (denials written by the Worker,
 *   alerts, webhook replays): they are stored here first, so they survive a D1 outage;
 * - seal the tenant's waiting events into its hash chain (src/audit/sealing.ts), one run at a
 *   time, so many LinkGuards writing at once cannot fork the chain;
 * - publish each sealed event, in chain order, onto the events queue for alerts and webhooks.
 *
 * Any step that fails is retried from the alarm with backoff; each step is idempotent (events are
 * inserted by id, sealing takes only unsealed events, publishing resumes after the last position
 * the queue accepted), so a retry repeats only what did not happen.
 *
 * Denials that name no tenant (an invalid token) go to a ledger named UNATTRIBUTED, which stores
 * them in D1 but neither seals nor publishes them: no tenant's chain or webhooks may carry them.
 */
import { DurableObject } from "cloudflare:workers";
import { and, asc, eq, gt } from "drizzle-orm";
import { database } from "../db/client.ts";
import { auditEvents } from "../db/schema.ts";
import { createLogger, describeError } from "../http/logger.ts";
import { backoffMs } from "../links/outbox.ts";
import { type AuditEvent, type SealedAuditEvent, sealedAuditEventSchema } from "./events.ts";
import { type ChainHead, loadChainHead, sealWaitingEvents } from "./sealing.ts";
import { writeAuditEvents } from "./store.ts";

export const UNATTRIBUTED = "unattributed";

/** Events read per page for publishing. */
const PUBLISH_PAGE = 50;

/**
 * How much one run does at most: outbox events, sealing batches, publishing pages. A backlog
 * (after a long D1 outage) is worked off over successive runs, each re-arming the alarm, so no
 * single call to the ledger runs unbounded.
 */
const OUTBOX_PER_RUN = 300;
const SEAL_BATCHES_PER_RUN = 20;
const PUBLISH_PAGES_PER_RUN = 20;

/** The queue takes at most 100 messages and 256 KB per send; stay well inside both. */
const MAX_SEND_MESSAGES = 50;
const MAX_SEND_BYTES = 192 * 1024;

export class AuditLedger extends DurableObject<Env> {
  #running: Promise<void> = Promise.resolve();
  #head: ChainHead | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, event TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  /**
   * Takes events that were not written to D1 with the action they record. Once this returns they
   * are durable here; D1, sealing and the queue follow, now if they can, else from the alarm.
   */
  async submit(tenant: string, events: readonly AuditEvent[]): Promise<void> {
    this.#remember(tenant);
    this.ctx.storage.transactionSync(() => {
      for (const event of events) {
        this.ctx.storage.sql.exec(
          "INSERT OR IGNORE INTO outbox (id, event) VALUES (?, ?)",
          event.id,
          JSON.stringify(event),
        );
      }
    });
    await this.#runExclusive();
  }

  /** Seals whatever of the tenant's events waits in D1 and publishes it. */
  async seal(tenant: string): Promise<void> {
    this.#remember(tenant);
    await this.#runExclusive();
  }

  /** The chain's head as D1 holds it now, after sealing what was waiting. */
  async head(tenant: string): Promise<ChainHead | null> {
    this.#remember(tenant);
    await this.#runExclusive();
    return this.#head ?? loadChainHead(database(this.env.DB), tenant);
  }

  /** Events submitted here and not yet in D1 (for tests and diagnostics). */
  async pendingEvents(): Promise<number> {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  override async alarm(): Promise<void> {
    await this.#runExclusive();
  }

  #remember(tenant: string): void {
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO state (key, value) VALUES ('tenant', ?)",
      tenant,
    );
  }

  #state(key: string): string | null {
    const rows = this.ctx.storage.sql
      .exec<{ value: string }>("SELECT value FROM state WHERE key = ?", key)
      .toArray();
    return rows[0]?.value ?? null;
  }

  #setState(key: string, value: string): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO state (key, value) VALUES (?, ?) " +
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  /** Runs the work after any run in progress, so two runs never interleave their D1 writes. */
  #runExclusive(): Promise<void> {
    const run = this.#running.then(() => this.#work());
    this.#running = run.catch(() => undefined);
    return run;
  }

  async #work(): Promise<void> {
    const tenant = this.#state("tenant");
    if (tenant === null) return;
    const logger = createLogger({ component: "audit-ledger" });

    try {
      let more = await this.#flushOutbox();
      if (tenant !== UNATTRIBUTED) {
        more = (await this.#sealWaiting(tenant)) || more;
        more = (await this.#publishSealed(tenant)) || more;
      }
      this.#setState("failures", "0");
      if (more) await this.ctx.storage.setAlarm(Date.now());
    } catch (error) {
      // Whatever failed stays where it was; the alarm tries again, backing off.
      this.#head = undefined;
      const failures = Number(this.#state("failures") ?? "0") + 1;
      this.#setState("failures", String(failures));
      logger.warn("audit ledger run failed", { failures, ...describeError(error) });
      await this.ctx.storage.setAlarm(Date.now() + backoffMs(failures));
    }
  }

  /** Writes held events to D1; true when more are held than one run writes. */
  async #flushOutbox(): Promise<boolean> {
    const rows = this.ctx.storage.sql
      .exec<{ id: string; event: string }>(
        "SELECT id, event FROM outbox ORDER BY rowid LIMIT ?",
        OUTBOX_PER_RUN + 1,
      )
      .toArray();
    const more = rows.length > OUTBOX_PER_RUN;
    if (more) rows.pop();
    if (rows.length === 0) return false;

    const events = rows.map((row) => JSON.parse(row.event) as AuditEvent);
    await writeAuditEvents(database(this.env.DB), events);
    this.ctx.storage.transactionSync(() => {
      for (const row of rows) this.ctx.storage.sql.exec("DELETE FROM outbox WHERE id = ?", row.id);
    });
    return more;
  }

  /** Seals waiting events; true when more may wait than one run seals. */
  async #sealWaiting(tenant: string): Promise<boolean> {
    const db = database(this.env.DB);
    if (this.#head === undefined) this.#head = await loadChainHead(db, tenant);

    for (let batch = 0; batch < SEAL_BATCHES_PER_RUN; batch += 1) {
      const result = await sealWaitingEvents(db, tenant, this.#head, Date.now());
      if (result.sealed.length === 0) return false;
      this.#head = result.head;
    }
    return true;
  }

  /**
   * Publishes sealed events after the last position the queue accepted, in chain order; true when
   * more may be left than one run publishes.
   */
  async #publishSealed(tenant: string): Promise<boolean> {
    const db = database(this.env.DB);
    let published = Number(this.#state("published_seq") ?? "0");

    for (let page = 0; page < PUBLISH_PAGES_PER_RUN; page += 1) {
      const rows = await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.tenantId, tenant), gt(auditEvents.seq, published)))
        .orderBy(asc(auditEvents.seq))
        .limit(PUBLISH_PAGE)
        .all();
      if (rows.length === 0) return false;

      const events: SealedAuditEvent[] = rows.map((row) => sealedAuditEventSchema.parse(row));
      for (const batch of sendBatches(events)) {
        await this.env.EVENTS.sendBatch(
          batch.map((event) => ({ body: event, contentType: "json" as const })),
        );
        // Recorded after each send, so a failure repeats only what the queue did not take.
        published = batch.at(-1)?.seq ?? published;
        this.#setState("published_seq", String(published));
      }
    }
    return true;
  }
}

/** Splits events, in order, into sends the queue accepts (policy changes carry whole policies). */
function sendBatches(events: readonly SealedAuditEvent[]): SealedAuditEvent[][] {
  const batches: SealedAuditEvent[][] = [];
  let current: SealedAuditEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = JSON.stringify(event).length;
    if (
      current.length > 0 &&
      (current.length >= MAX_SEND_MESSAGES || bytes + size > MAX_SEND_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
