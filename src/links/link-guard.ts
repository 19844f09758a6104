/**
 * LinkGuard: the Durable Object that owns one link (named by its link id).
 *
 * Responsibilities:
 * - decide every access to the link in a single call: view, confirm (spend a use and open a
 *   download session), authorise a session fetch, revoke;
 * - track which bytes each session has served, and record completion exactly once;
 * - write each decision's audit event to its outbox in the same transaction as the decision,
 *   then deliver the outbox to D1 and the events queue from an alarm, retrying with backoff.
 *
 * Because a Durable Object runs one call at a time and every check-then-write below is
 * synchronous, concurrent confirmations of a one-time link cannot both succeed.
 */
import { DurableObject } from "cloudflare:workers";
import { SYSTEM_ORIGIN } from "../audit/events.ts";
import { newId } from "../ids.ts";
import { checkConstraints } from "./constraints.ts";
import {
  type GuardSnapshot,
  linkDenial,
  linkStateOf,
  requestDenial,
  revocationDenial,
} from "./decisions.ts";
import {
  addressChangedEvent,
  completionEvents,
  interruptionEvent,
  issuedEvent,
  type LinkEventFields,
  linkEvent,
} from "./guard-events.ts";
import { GuardStore, type SessionRow } from "./guard-store.ts";
import type {
  ApprovalDecision,
  ConfirmResult,
  DenialCode,
  FetchAuthorization,
  GuardOrigin,
  LinkRecord,
  LinkState,
  LinkView,
  RevocationReason,
} from "./model.ts";
import { deliverOutbox, type EventSink, liveEventSink } from "./outbox.ts";
import { addInterval, coversWholeFile } from "./served-ranges.ts";

export class LinkGuard extends DurableObject<Env> {
  readonly #store: GuardStore;
  /** Where the outbox goes; tests swap it to simulate an unavailable D1. */
  sink: EventSink;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new GuardStore(ctx.storage.sql);
    this.sink = liveEventSink(env);
  }

  /** Stores a newly issued link. Idempotent: issuing the same link id twice keeps the first. */
  async issue(record: LinkRecord, origin: GuardOrigin): Promise<LinkState> {
    this.ctx.storage.transactionSync(() => {
      if (this.#store.link()) return;
      this.#store.insertLink(record);
      this.#audit(record, origin, issuedEvent(record));
    });
    await this.#scheduleAlarm();
    return this.#requireState();
  }

  /** The link's state for its landing page; records the view and never spends a use. */
  async view(origin: GuardOrigin, now = Date.now()): Promise<LinkView | null> {
    const link = this.#store.link();
    if (!link) return null;

    const denial = this.#denialFor(link, origin, now);
    this.ctx.storage.transactionSync(() => {
      this.#audit(link.record, origin, {
        action: "link.viewed",
        outcome: denial ? "denied" : "allowed",
        reason: denial,
      });
    });
    await this.#scheduleAlarm();
    return { state: this.#stateOf(link, now), record: link.record, denial };
  }

  /**
   * Spends one use and opens a download session, or refuses with a reason. A spent link whose
   * last session lapsed before completion may be confirmed again when its class allows a retry;
   * the retry opens a session without spending a use.
   */
  async confirm(origin: GuardOrigin, now = Date.now()): Promise<ConfirmResult | null> {
    this.#closeLapsedSessions(now);
    const link = this.#store.link();
    if (!link) return null;

    const result = this.ctx.storage.transactionSync((): ConfirmResult => {
      const denial = this.#denialFor(link, origin, now);
      if (denial) {
        this.#audit(link.record, origin, {
          action: "download.denied",
          outcome: "denied",
          reason: denial,
        });
        return { allowed: false, code: denial };
      }

      const retry = link.usesSpent >= link.record.maxUses;
      if (retry) this.#store.setRetriesUsed(link.retriesUsed + 1);
      else this.#store.setUsesSpent(link.usesSpent + 1);

      const sessionId = newId("session");
      const sessionExpiresAt = now + link.record.policy.sessionGraceSeconds * 1000;
      this.#store.insertSession(sessionId, now, sessionExpiresAt);
      if (origin.client?.ip) this.#store.addSessionAddress(sessionId, origin.client.ip, now);
      this.#audit(link.record, origin, {
        action: "download.started",
        outcome: "allowed",
        detail: {
          use: retry ? link.usesSpent : link.usesSpent + 1,
          maxUses: link.record.maxUses,
          retry,
          sessionExpiresAt,
        },
      });
      return { allowed: true, sessionId, sessionExpiresAt };
    });
    await this.#scheduleAlarm();
    return result;
  }

  /**
   * Approves or rejects a link waiting for approval. The issuer can never decide on their own
   * link, and a decision after the approval window lapsed is refused.
   */
  async decideApproval(
    decision: "approve" | "reject",
    origin: GuardOrigin & { actor: string },
    note?: string,
    now = Date.now(),
  ): Promise<ApprovalDecision | null> {
    const link = this.#store.link();
    if (!link) return null;

    const denial = linkDenial(link, now);
    if (link.approval.status === "pending" && denial === "approval_expired") {
      return { decided: false, reason: "approval_expired", state: this.#stateOf(link, now) };
    }
    if (link.approval.status !== "pending" || denial !== "approval_pending") {
      return { decided: false, reason: "not_pending", state: this.#stateOf(link, now) };
    }
    if (origin.actor.toLowerCase() === link.record.issuedBy.toLowerCase()) {
      return { decided: false, reason: "issuer_cannot_approve", state: this.#stateOf(link, now) };
    }

    const status = decision === "approve" ? "approved" : "rejected";
    this.ctx.storage.transactionSync(() => {
      this.#store.recordApproval(status, origin.actor, now);
      this.#audit(link.record, origin, {
        action: decision === "approve" ? "link.approved" : "link.rejected",
        outcome: "succeeded",
        detail: note ? { note } : null,
      });
    });
    await this.#scheduleAlarm();
    return { decided: true, state: this.#requireState(now) };
  }

  /**
   * Whether a request under a download session may be served now. `streaming` says the request
   * will send bytes (not a HEAD): such requests are counted, so a storage failure in one of them
   * cannot give a use back while another may already have delivered part of the file.
   */
  async authorizeFetch(
    sessionId: string,
    origin: GuardOrigin,
    options: { streaming: boolean },
    now = Date.now(),
  ): Promise<FetchAuthorization> {
    const link = this.#store.link();
    const session = this.#store.session(sessionId);
    if (!link || !session) return { allowed: false, code: "session_ended" };

    const request = { ip: origin.client?.ip ?? null, country: origin.client?.country ?? null };
    let code: DenialCode | null = null;
    if (link.revokedAt !== null) code = revocationDenial(link);
    else if (session.endedAt !== null && session.completedAt === null) code = "session_ended";
    else if (now >= session.expiresAt) code = "session_ended";
    else code = checkConstraints(link.record.constraints, request, now, { hours: false });
    if (code === null) {
      if (options.streaming) this.#store.countStreamStart(sessionId);
      if (this.#noteAddress(link.record, sessionId, origin, now)) await this.#scheduleAlarm();
      const { file, bundle, tenantId } = link.record;
      return { allowed: true, file, bundle: bundle ?? null, tenantId };
    }

    const denial = code;
    this.ctx.storage.transactionSync(() => {
      this.#audit(link.record, origin, {
        action: "download.denied",
        outcome: "denied",
        reason: denial,
        detail: { stage: "session" },
      });
    });
    await this.#scheduleAlarm();
    return { allowed: false, code: denial };
  }

  /**
   * Records that bytes [start, end) reached the client under a session. The first time the
   * session's bytes cover the whole file, the download is recorded as completed, once; for a
   * bundle, each member is then recorded as delivered, in the same transaction.
   */
  async recordDelivery(sessionId: string, start: number, end: number, origin: GuardOrigin) {
    const link = this.#store.link();
    const session = this.#store.session(sessionId);
    if (!link || !session) return;

    this.ctx.storage.transactionSync(() => {
      const served = addInterval(session.served, start, end);
      const bytesServed = session.bytesServed + Math.max(0, end - start);
      this.#store.updateServed(sessionId, served, bytesServed);
      if (session.completedAt !== null || !coversWholeFile(served, link.record.file.size)) return;

      const now = Date.now();
      this.#store.markCompleted(sessionId, now);
      for (const fields of completionEvents(link.record, bytesServed, served)) {
        this.#audit(link.record, origin, fields);
      }
    });
    await this.#scheduleAlarm();
  }

  /**
   * Gives back the use a session spent when storage failed before any byte was served, so a
   * recipient never loses a use to our failure. Only the session's first streaming request can
   * do this: once another request has started, bytes may have reached the client.
   */
  async returnUse(sessionId: string, origin: GuardOrigin, failure: string): Promise<boolean> {
    const link = this.#store.link();
    const session = this.#store.session(sessionId);
    if (!link || !session || session.endedAt !== null) return false;
    if (session.bytesServed > 0 || session.streamsStarted > 1) return false;

    this.ctx.storage.transactionSync(() => {
      this.#store.setUsesSpent(Math.max(0, link.usesSpent - 1));
      this.#store.endSession(sessionId, Date.now(), "storage_failed");
      this.#audit(link.record, origin, {
        action: "download.use_returned",
        outcome: "failed",
        reason: "storage_unavailable",
        detail: { failure },
      });
    });
    await this.#scheduleAlarm();
    return true;
  }

  /**
   * Revokes the link and ends its open sessions at once. Revoking twice changes nothing.
   * `reason` is a stable code (`revoked_by_issuer`, `retention_ended`, …); the issuer's own
   * words, if any, go into the event's detail as `note`.
   */
  async revoke(
    origin: GuardOrigin,
    reason: RevocationReason = "revoked_by_issuer",
    note?: string,
  ): Promise<LinkState | null> {
    const link = this.#store.link();
    if (!link) return null;
    if (link.revokedAt !== null) return this.#stateOf(link, Date.now());

    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#store.markRevoked(now, reason);
      const ended = this.#store.openSessions();
      for (const session of ended) this.#store.endSession(session.id, now, "revoked");
      this.#audit(link.record, origin, {
        action: "link.revoked",
        outcome: "succeeded",
        reason,
        detail: { sessionsEnded: ended.length, ...(note ? { note } : {}) },
      });
    });
    await this.#scheduleAlarm();
    return this.#requireState(now);
  }

  /** Whether downloads under the link may go on: asked by running streams, never audited. */
  async isLive(): Promise<boolean> {
    const link = this.#store.link();
    return link !== null && link.revokedAt === null;
  }

  async state(now = Date.now()): Promise<LinkState | null> {
    return this.#store.link() ? this.#requireState(now) : null;
  }

  /** Delivers due outbox events, closes sessions whose window passed, then re-arms itself. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.#closeLapsedSessions(now);
    await deliverOutbox(this.#store, this.sink, now);
    await this.#scheduleAlarm();
  }

  /** How many audit events are still waiting for delivery (for tests and diagnostics). */
  async pendingEvents(): Promise<number> {
    return this.#store.pendingOutboxCount();
  }

  #closeLapsedSessions(now: number): void {
    const link = this.#store.link();
    if (!link) return;
    const lapsed = this.#store.openSessions().filter((session) => session.expiresAt <= now);
    if (lapsed.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      for (const session of lapsed) this.#recordInterruption(link.record, session, now);
    });
  }

  #recordInterruption(record: LinkRecord, session: SessionRow, now: number): void {
    this.#store.endSession(session.id, now, "lapsed");
    this.#audit(record, SYSTEM_ORIGIN, interruptionEvent(record, session));
  }

  /**
   * Remembers each address that fetches under a session and audits every one after the first,
   * once. A session opened without a known address takes its first fetch's as its first.
   * Returns whether an event was written.
   */
  #noteAddress(record: LinkRecord, sessionId: string, origin: GuardOrigin, now: number): boolean {
    const address = origin.client?.ip;
    if (!address) return false;
    const known = this.#store.sessionAddresses(sessionId);
    if (known.includes(address)) return false;

    const first = known[0];
    this.ctx.storage.transactionSync(() => {
      this.#store.addSessionAddress(sessionId, address, now);
      if (first !== undefined) this.#audit(record, origin, addressChangedEvent(record, first));
    });
    return first !== undefined;
  }

  #denialFor(link: GuardSnapshot, origin: GuardOrigin, now: number): DenialCode | null {
    const request = { ip: origin.client?.ip ?? null, country: origin.client?.country ?? null };
    return linkDenial(link, now) ?? requestDenial(link.record, request, now);
  }

  #audit(record: LinkRecord, origin: GuardOrigin, fields: LinkEventFields): void {
    this.#store.enqueue(linkEvent(record, origin, fields));
  }

  #requireState(now = Date.now()): LinkState {
    const link = this.#store.link();
    if (!link) throw new Error("LinkGuard has no link");
    return this.#stateOf(link, now);
  }

  #stateOf(link: GuardSnapshot, now: number): LinkState {
    return linkStateOf(link, this.#store.openSessions().length, now);
  }

  /** Arms the alarm for the earliest pending work: outbox delivery or a session's end. */
  async #scheduleAlarm(): Promise<void> {
    const candidates = [
      this.#store.nextOutboxAttempt(),
      this.#store.openSessions()[0]?.expiresAt ?? null,
    ].filter((at): at is number => at !== null);
    if (candidates.length === 0) return;

    const wanted = Math.min(...candidates);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || wanted < current) await this.ctx.storage.setAlarm(wanted);
  }
}
