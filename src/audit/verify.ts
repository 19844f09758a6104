/**
 * Checking an exported stretch of an audit chain, event by event, in file order, in one pass:
 * the file is read once, so a pipe can be checked, and an export of millions of events is never
 * held in memory (only the runs of positions met and 4 bytes an event, see ./seen-positions.ts).
 *
 * Every event must belong to the tenant of the file's first event: another tenant's events have
 * positions and hashes of another chain, so that is judged before anything else on their line.
 *
 * Each event must hash to the hash it carries (else it was altered), and must follow the event
 * before it: the next position, holding that event's hash. A missing position is a removal, or a
 * reordering when the missing event turns up later in the file, so a gap is judged when its event
 * turns up, or at the end. A position met before is a duplicate: a copy of the earlier line when
 * the two events have the same hash, else a second event claiming the position.
 *
 * When two events that each hash correctly do not link, either the first was rewritten (and
 * rehashed) or the second was given a new predecessor. The event after them decides: if it still
 * links to the second, the first was altered; if not, the second was. A step back in position is
 * judged one event late too: the next position says which of the two events moved.
 */
import { chainHash, GENESIS_HASH } from "./chain.ts";
import { type SealedAuditEvent, sealedAuditEventSchema } from "./events.ts";
import { SeenPositions } from "./seen-positions.ts";

export type ProblemKind =
  | "malformed"
  | "foreign"
  | "altered"
  | "removed"
  | "reordered"
  | "duplicated";

export interface ChainProblem {
  kind: ProblemKind;
  /** 1-based line of the file the problem was found at. */
  line: number;
  seq: number | null;
  eventId: string | null;
  message: string;
}

/** Positions between the first and the last event that the file does not hold. */
export interface MissingPositions {
  count: number;
  /** The first few stretches of missing positions, in order. */
  ranges: { from: number; to: number }[];
}

export interface ChainSummary {
  events: number;
  firstSeq: number | null;
  firstHash: string | null;
  lastSeq: number | null;
  lastHash: string | null;
  missing: MissingPositions;
}

export interface VerifyOptions {
  /**
   * For filtered exports: missing positions are expected, and only the events present, and
   * links between consecutive positions, are checked.
   */
  allowGaps?: boolean;
}

/** How many stretches of missing positions a summary lists. */
export const LISTED_GAPS = 5;

/** An event of the file, and the line it is on. */
export interface Seen {
  line: number;
  event: SealedAuditEvent;
}

/** The file's first and last events, for comparing them with the gateway's chain. */
export interface FileEnds {
  first: Seen;
  last: Seen;
}

/** Positions a contiguous file skipped: removed, unless their event turns up later. */
interface Gap {
  from: number;
  to: number;
  /** The event after the gap, and the one before it. */
  after: Seen;
  before: Seen;
}

/** A step back in position: `behind` came after `ahead`; `before` preceded `ahead`. */
interface StepBack {
  before: Seen | null;
  ahead: Seen;
  behind: Seen;
}

export class ChainVerifier {
  readonly #allowGaps: boolean;
  readonly #seen = new SeenPositions();
  #previous: Seen | null = null;
  #beforePrevious: Seen | null = null;
  #first: Seen | null = null;
  #events = 0;
  readonly #missing: MissingPositions = { count: 0, ranges: [] };
  /** A link that broke between the previous event and the one before it, not yet judged. */
  #break: { before: Seen; after: Seen } | null = null;
  #gap: Gap | null = null;
  #stepBack: StepBack | null = null;

  constructor(options?: VerifyOptions) {
    this.#allowGaps = options?.allowGaps ?? false;
  }

  /** Checks the next line; returns the first problem found, after which the caller stops. */
  async add(line: number, text: string): Promise<ChainProblem | null> {
    const parsed = parseEvent(text);
    const foreign = parsed.event ? this.#foreign(line, parsed.event) : null;
    if (foreign) return this.#endAt(foreign, null);
    if (parsed.error !== undefined) {
      const problem = this.#malformed(line, parsed.error, parsed.event);
      return this.#endAt(problem, parsed.event?.seq ?? null);
    }
    const current: Seen = { line, event: parsed.event };
    if (this.#stepBack) return this.#firstInFile(this.#judgeStepBack(current.event.seq));

    const broken = this.#judgeBreak(current);
    if (broken) return this.#firstInFile(broken);

    const { seq, prevHash, sealedAt } = current.event;
    if ((await chainHash(current.event, { seq, prevHash, sealedAt })) !== current.event.hash) {
      return this.#firstInFile(problem("altered", current, "its contents do not match its hash"));
    }

    const previous = this.#previous;
    if (previous === null) {
      this.#accept(current);
      if (seq === 1 && prevHash !== GENESIS_HASH) {
        return problem("altered", current, "the first event does not start the chain");
      }
      return null;
    }
    return this.#follow(previous, current);
  }

  /**
   * A line the caller could not read whole, such as one longer than any event: malformed, like a
   * garbage line, and named with the last good event before it. `why` says what is wrong.
   */
  unreadable(line: number, why: string): ChainProblem {
    return this.#endAt(this.#malformed(line, why, undefined), null);
  }

  /** The stretch checked so far; what was left to judge at the last line is judged here. */
  finish(): { problem: ChainProblem | null; summary: ChainSummary; ends: FileEnds | null } {
    const summary: ChainSummary = {
      events: this.#events,
      firstSeq: this.#first?.event.seq ?? null,
      firstHash: this.#first?.event.hash ?? null,
      lastSeq: this.#previous?.event.seq ?? null,
      lastHash: this.#previous?.event.hash ?? null,
      missing: { count: this.#missing.count, ranges: [...this.#missing.ranges] },
    };
    const pending = this.#stepBack ? this.#judgeStepBack(null) : this.#judgeBreak(null);
    const found = pending ? this.#firstInFile(pending) : this.#takeGap();
    const first = this.#first;
    const last = this.#previous;
    return { problem: found, summary, ends: first && last ? { first, last } : null };
  }

  /**
   * Ends verification at a line that holds no event of this chain to judge by, with `found`;
   * what earlier lines left to judge comes first. A pending step back is judged by `nextSeq`,
   * the position the line claims (null when it claims none of this chain).
   */
  #endAt(found: ChainProblem, nextSeq: number | null): ChainProblem {
    if (this.#stepBack) return this.#firstInFile(this.#judgeStepBack(nextSeq));
    return this.#firstInFile(this.#judgeBreak(null) ?? found);
  }

  /** An event of another tenant than the file's first event's, as a problem; else null. */
  #foreign(line: number, event: SealedAuditEvent): ChainProblem | null {
    const first = this.#first;
    if (first === null || event.tenantId === first.event.tenantId) return null;
    const message =
      `event seq ${event.seq} (${event.id}) belongs to another tenant (${event.tenantId}) ` +
      `than the file's first event (${first.event.tenantId}, on line ${first.line})`;
    return { kind: "foreign", line, seq: event.seq, eventId: event.id, message };
  }

  #accept(current: Seen): void {
    this.#beforePrevious = this.#previous;
    this.#previous = current;
    this.#first ??= current;
    this.#events += 1;
    this.#seen.add(current.event.seq, current.line, current.event.hash);
  }

  #follow(previous: Seen, current: Seen): ChainProblem | null {
    const { seq } = current.event;
    if (seq <= previous.event.seq) return this.#stepBackTo(previous, current);

    if (seq > previous.event.seq + 1) {
      const gap = this.#skip(previous, current);
      if (gap) return gap;
    } else if (current.event.prevHash !== previous.event.hash) {
      this.#break = { before: previous, after: current };
    }
    this.#accept(current);
    return null;
  }

  /** A position met before is a duplicate; any other step back is judged on the next line. */
  #stepBackTo(previous: Seen, current: Seen): ChainProblem | null {
    const { seq, hash } = current.event;
    const earlier = this.#seen.find(seq, hash);
    if (earlier?.sameHash) {
      const where = `it appears twice, at lines ${earlier.line} and ${current.line}`;
      return this.#firstInFile(problem("duplicated", current, where));
    }
    if (earlier) {
      // Both lines hash correctly, so a different hash means a different event, not a copy.
      const message =
        `two different events claim seq ${seq}, at lines ${earlier.line} and ` +
        `${current.line}; the one on line ${current.line} is ${current.event.id}`;
      const line = current.line;
      const eventId = current.event.id;
      return this.#firstInFile({ kind: "duplicated", line, seq, eventId, message });
    }
    this.#stepBack = { before: this.#beforePrevious, ahead: previous, behind: current };
    return null;
  }

  /** Records skipped positions; in a contiguous file, a second gap reports the first. */
  #skip(previous: Seen, current: Seen): ChainProblem | null {
    const from = previous.event.seq + 1;
    const to = current.event.seq - 1;
    this.#missing.count += to - from + 1;
    if (this.#missing.ranges.length < LISTED_GAPS) this.#missing.ranges.push({ from, to });
    if (this.#allowGaps) return null;

    if (this.#gap) return this.#takeGap();
    this.#gap = { from, to, after: current, before: previous };
    return null;
  }

  /**
   * Which of two events out of order moved. `ahead` jumped forward when leaving it out puts the
   * rest in order: the event before it precedes `behind`, and the next one comes between the
   * two. Otherwise `behind` is out of place; when both readings fit (two neighbours swapped),
   * that is the one named too.
   */
  #judgeStepBack(nextSeq: number | null): ChainProblem {
    const { before, ahead, behind } = this.#stepBack as StepBack;
    this.#stepBack = null;

    const aheadMoved =
      (before === null || before.event.seq < behind.event.seq) &&
      nextSeq !== null &&
      nextSeq > behind.event.seq &&
      nextSeq < ahead.event.seq;
    const moved = aheadMoved ? ahead : behind;
    const gap = this.#gap;
    if (
      gap &&
      (moved === gap.after || (moved.event.seq >= gap.from && moved.event.seq <= gap.to))
    ) {
      // The gap was where this event belongs (or made room for it): no event was removed.
      this.#gap = null;
    }
    const where = aheadMoved
      ? `before seq ${behind.event.seq} (line ${behind.line})`
      : `after seq ${ahead.event.seq} (line ${ahead.line})`;
    return problem("reordered", moved, `it is out of place at line ${moved.line}, ${where}`);
  }

  #judgeBreak(next: Seen | null): ChainProblem | null {
    const pending = this.#break;
    if (!pending) return null;
    this.#break = null;

    const { before, after } = pending;
    if (next === null) {
      return problem(
        "altered",
        before,
        `the event after it (seq ${after.event.seq}) records a different hash for it; ` +
          "one of the two was altered",
      );
    }
    const nextFollows = next.event.seq === after.event.seq + 1;
    if (nextFollows && next.event.prevHash !== after.event.hash) {
      return problem("altered", after, "its predecessor link was rewritten");
    }
    return problem(
      "altered",
      before,
      `the event after it (seq ${after.event.seq}) records a different hash for it`,
    );
  }

  /** Problems are reported in file order: a gap still open comes before `found`. */
  #firstInFile(found: ChainProblem): ChainProblem {
    return this.#takeGap() ?? found;
  }

  /** The open gap, whose event never turned up, as a removal. */
  #takeGap(): ChainProblem | null {
    const gap = this.#gap;
    if (!gap) return null;
    this.#gap = null;

    const { from, to, after, before } = gap;
    const between = `between line ${before.line} (seq ${before.event.seq}) and line ${after.line}`;
    return {
      kind: "removed",
      line: after.line,
      seq: from,
      eventId: null,
      message:
        from === to
          ? `event seq ${from} was removed (its hash was ${after.event.prevHash}), ${between}`
          : `events seq ${from} to ${to} were removed, ${between}`,
    };
  }

  #malformed(line: number, error: string, event: SealedAuditEvent | undefined): ChainProblem {
    if (event) {
      const message = `event seq ${event.seq} (${event.id}) is ${error}`;
      return { kind: "malformed", line, seq: event.seq, eventId: event.id, message };
    }
    const last = this.#previous;
    const where = last
      ? `the last good event before it is seq ${last.event.seq} (${last.event.id}), ` +
        `on line ${last.line}`
      : "no event comes before it";
    return { kind: "malformed", line, seq: null, eventId: null, message: `${error}; ${where}` };
  }
}

type Parsed =
  | { event: SealedAuditEvent; error?: undefined }
  | { event?: SealedAuditEvent; error: string };

/**
 * The event a line holds, or why it holds none. A line must be exactly what the export wrote:
 * the fields the chain covers and no others, each once, in the export's order and its own
 * serialization. Otherwise a reader (or grep) could see a value the hash never covered, such as
 * the first of two `actor` keys, of which JSON parsing keeps only the last. When the line holds
 * a well-formed event in another form, the event is returned with the error, to name it.
 */
function parseEvent(text: string): Parsed {
  const line = text.endsWith("\r") ? text.slice(0, -1) : text;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // A line that starts like an event but does not parse was most likely cut short.
    const cut = line.trimStart().startsWith("{");
    return { error: cut ? "not JSON (cut short?)" : "not JSON (a line of something else)" };
  }
  const parsed = exportedEventSchema.safeParse(value);
  if (!parsed.success) return { error: "not an audit event with exactly the exported fields" };

  const event = parsed.data;
  if (inExportedOrder(value as Record<string, unknown>) === line) return { event };
  const reordered = JSON.stringify(value) === line;
  const error = reordered
    ? "not as exported: its fields are not in the exported order"
    : "not as exported: a field repeated, or the line reformatted";
  return { event, error };
}

const exportedEventSchema = sealedAuditEventSchema.strict();

/**
 * The export writes each D1 row as it comes, in the table's column order, which is the order of
 * the event schema's fields (then seq, prevHash, hash, sealedAt); the export tests hold the two
 * together by verifying real exports.
 */
const EXPORTED_ORDER = Object.keys(sealedAuditEventSchema.shape);

/** `value` serialized with its top-level fields in the export's order (nested ones as given). */
function inExportedOrder(value: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(EXPORTED_ORDER.map((key) => [key, value[key]])));
}

function problem(kind: ProblemKind, seen: Seen, message: string): ChainProblem {
  return {
    kind,
    line: seen.line,
    seq: seen.event.seq,
    eventId: seen.event.id,
    message: `event seq ${seen.event.seq} (${seen.event.id}) was ${kind}: ${message}`,
  };
}
