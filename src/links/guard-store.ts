/**
 * LinkGuard's own SQLite storage: the link, its download sessions and the audit outbox.
 * All reads and writes are synchronous, so a decision and its audit event land in one
 * transaction with no await between the check and the write.
 */
import type { AuditEvent } from "../audit/events.ts";
import type { GuardSnapshot } from "./decisions.ts";
import type { ApprovalStatus, LinkRecord } from "./model.ts";
import type { ByteInterval } from "./served-ranges.ts";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS link (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    uses_spent INTEGER NOT NULL DEFAULT 0,
    retries_used INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER,
    revoked_reason TEXT,
    approval_status TEXT NOT NULL DEFAULT 'not_required',
    approval_decided_by TEXT,
    approval_decided_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    opened_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    served TEXT NOT NULL DEFAULT '[]',
    bytes_served INTEGER NOT NULL DEFAULT 0,
    streams_started INTEGER NOT NULL DEFAULT 0,
    completed_at INTEGER,
    ended_at INTEGER,
    ended_reason TEXT
  );
  CREATE TABLE IF NOT EXISTS session_addresses (
    session_id TEXT NOT NULL,
    address TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, address)
  );
  CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    recorded INTEGER NOT NULL DEFAULT 0,
    published INTEGER NOT NULL DEFAULT 0
  );
`;

export interface SessionRow {
  id: string;
  openedAt: number;
  expiresAt: number;
  served: ByteInterval[];
  bytesServed: number;
  /** Requests that began streaming bytes under the session, finished or not. */
  streamsStarted: number;
  completedAt: number | null;
  endedAt: number | null;
}

export interface OutboxRow {
  id: string;
  event: AuditEvent;
  attempts: number;
  recorded: boolean;
  published: boolean;
}

export class GuardStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#sql.exec(SCHEMA);
  }

  /** The link with everything LinkGuard's rules need, or null before it is issued. */
  link(): GuardSnapshot | null {
    const row = this.#sql
      .exec<{
        record: string;
        uses_spent: number;
        retries_used: number;
        revoked_at: number | null;
        revoked_reason: string | null;
        approval_status: ApprovalStatus;
        approval_decided_by: string | null;
        approval_decided_at: number | null;
      }>("SELECT * FROM link LIMIT 1")
      .toArray()[0];
    if (!row) return null;

    const record = JSON.parse(row.record) as LinkRecord;
    const lapsed = this.#sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM sessions WHERE ended_reason = 'lapsed' AND completed_at IS NULL",
      )
      .one().n;
    return {
      record,
      usesSpent: row.uses_spent,
      revokedAt: row.revoked_at,
      revokedReason: row.revoked_reason,
      retriesUsed: row.retries_used,
      lapsedIncomplete: lapsed,
      approval: {
        status: row.approval_status,
        decidedBy: row.approval_decided_by,
        decidedAt: row.approval_decided_at,
        expiresAt: record.policy.approvalExpiresAt,
      },
    };
  }

  insertLink(record: LinkRecord): void {
    this.#sql.exec(
      "INSERT INTO link (id, record, approval_status) VALUES (?, ?, ?)",
      record.linkId,
      JSON.stringify(record),
      record.policy.approvalRequired ? "pending" : "not_required",
    );
  }

  recordApproval(status: "approved" | "rejected", by: string, at: number): void {
    this.#sql.exec(
      "UPDATE link SET approval_status = ?, approval_decided_by = ?, approval_decided_at = ?",
      status,
      by,
      at,
    );
  }

  setRetriesUsed(retriesUsed: number): void {
    this.#sql.exec("UPDATE link SET retries_used = ?", retriesUsed);
  }

  setUsesSpent(usesSpent: number): void {
    this.#sql.exec("UPDATE link SET uses_spent = ?", usesSpent);
  }

  markRevoked(at: number, reason: string): void {
    this.#sql.exec("UPDATE link SET revoked_at = ?, revoked_reason = ?", at, reason);
  }

  session(id: string): SessionRow | null {
    const row = this.#sql
      .exec<{
        id: string;
        opened_at: number;
        expires_at: number;
        served: string;
        bytes_served: number;
        streams_started: number;
        completed_at: number | null;
        ended_at: number | null;
      }>("SELECT * FROM sessions WHERE id = ?", id)
      .toArray()[0];
    if (!row) return null;
    return {
      id: row.id,
      openedAt: row.opened_at,
      expiresAt: row.expires_at,
      served: JSON.parse(row.served) as ByteInterval[],
      bytesServed: row.bytes_served,
      streamsStarted: row.streams_started,
      completedAt: row.completed_at,
      endedAt: row.ended_at,
    };
  }

  openSessions(): SessionRow[] {
    const ids = this.#sql
      .exec<{ id: string }>("SELECT id FROM sessions WHERE ended_at IS NULL ORDER BY expires_at")
      .toArray();
    return ids.map(({ id }) => this.session(id)).filter((row) => row !== null);
  }

  insertSession(id: string, openedAt: number, expiresAt: number): void {
    this.#sql.exec(
      "INSERT INTO sessions (id, opened_at, expires_at) VALUES (?, ?, ?)",
      id,
      openedAt,
      expiresAt,
    );
  }

  /** The client addresses that used the session, the one that opened it first. */
  sessionAddresses(id: string): string[] {
    return this.#sql
      .exec<{ address: string }>(
        "SELECT address FROM session_addresses WHERE session_id = ? ORDER BY seen_at, rowid",
        id,
      )
      .toArray()
      .map((row) => row.address);
  }

  addSessionAddress(id: string, address: string, at: number): void {
    this.#sql.exec(
      "INSERT OR IGNORE INTO session_addresses (session_id, address, seen_at) VALUES (?, ?, ?)",
      id,
      address,
      at,
    );
  }

  countStreamStart(id: string): void {
    this.#sql.exec("UPDATE sessions SET streams_started = streams_started + 1 WHERE id = ?", id);
  }

  updateServed(id: string, served: readonly ByteInterval[], bytesServed: number): void {
    this.#sql.exec(
      "UPDATE sessions SET served = ?, bytes_served = ? WHERE id = ?",
      JSON.stringify(served),
      bytesServed,
      id,
    );
  }

  /** Marks the session completed; a session already ended (e.g. by revocation) keeps its reason. */
  markCompleted(id: string, at: number): void {
    this.#sql.exec(
      `UPDATE sessions SET completed_at = ?, ended_at = COALESCE(ended_at, ?),
         ended_reason = COALESCE(ended_reason, 'completed') WHERE id = ?`,
      at,
      at,
      id,
    );
  }

  endSession(id: string, at: number, reason: string): void {
    this.#sql.exec(
      "UPDATE sessions SET ended_at = ?, ended_reason = ? WHERE id = ? AND ended_at IS NULL",
      at,
      reason,
      id,
    );
  }

  enqueue(event: AuditEvent): void {
    this.#sql.exec(
      "INSERT INTO outbox (id, event, next_attempt_at) VALUES (?, ?, ?)",
      event.id,
      JSON.stringify(event),
      event.occurredAt,
    );
  }

  dueOutbox(now: number, limit: number): OutboxRow[] {
    return this.#sql
      .exec<{ id: string; event: string; attempts: number; recorded: number; published: number }>(
        "SELECT id, event, attempts, recorded, published FROM outbox " +
          "WHERE next_attempt_at <= ? ORDER BY rowid LIMIT ?",
        now,
        limit,
      )
      .toArray()
      .map((row) => ({
        id: row.id,
        event: JSON.parse(row.event) as AuditEvent,
        attempts: row.attempts,
        recorded: row.recorded === 1,
        published: row.published === 1,
      }));
  }

  markRecorded(ids: readonly string[]): void {
    for (const id of ids) this.#sql.exec("UPDATE outbox SET recorded = 1 WHERE id = ?", id);
  }

  markPublished(ids: readonly string[]): void {
    for (const id of ids) this.#sql.exec("UPDATE outbox SET published = 1 WHERE id = ?", id);
  }

  removeDelivered(): void {
    this.#sql.exec("DELETE FROM outbox WHERE recorded = 1 AND published = 1");
  }

  postpone(ids: readonly string[], attempts: number, nextAttemptAt: number): void {
    for (const id of ids) {
      this.#sql.exec(
        "UPDATE outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?",
        attempts,
        nextAttemptAt,
        id,
      );
    }
  }

  pendingOutboxCount(): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  nextOutboxAttempt(): number | null {
    const row = this.#sql
      .exec<{ at: number | null }>("SELECT min(next_attempt_at) AS at FROM outbox")
      .one();
    return row.at;
  }
}
