/**
 * Checking an exported stretch of an audit chain, event by event, in file order.
 *
 * Each event must hash to the hash it carries (else it was altered), and must follow the event
 * before it: the next position, holding that event's hash. A missing position is a removal, or a
 * reordering when the missing event appears elsewhere in the file; the caller provides the
 * positions found in a first pass over the file (`positions`) so this can tell the two apart.
 *
 * When two events that each hash correctly do not link, either the first was rewritten (and
 * rehashed) or the second was given a new predecessor. The event after them decides: if it still
 * links to the second, the first was altered; if not, the second was. So a break is judged one
 * event late.
 */
import { z } from "zod";
import { chainHash, GENESIS_HASH } from "./chain.ts";
import { type SealedAuditEvent, sealedAuditEventSchema } from "./events.ts";

export type ProblemKind = "malformed" | "altered" | "removed" | "reordered" | "duplicated";

export interface ChainProblem {
  kind: ProblemKind;
  /** 1-based line of the file the problem was found at. */
  line: number;
  seq: number | null;
  eventId: string | null;
  message: string;
}

export interface ChainSummary {
  events: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string | null;
}

interface Seen {
  line: number;
  event: SealedAuditEvent;
}

/** What pass one records of each line: its position in the chain, when the line parses. */
export function positionOf(text: string): number | null {
  try {
    const parsed = z.object({ seq: z.number().int() }).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.seq : null;
  } catch {
    return null;
  }
}

export class ChainVerifier {
  readonly #positions: ReadonlyMap<number, number>;
  readonly #allowGaps: boolean;
  #previous: Seen | null = null;
  /** A link that broke between the previous event and the one before it, not yet judged. */
  #pendingBreak: { before: Seen; after: Seen } | null = null;
  #events = 0;
  #first: number | null = null;

  /**
   * @param positions each position in the file and the line it is on (from `positionOf`).
   * @param allowGaps for filtered exports: missing positions are expected, and only the events
   *   present, and links between consecutive positions, are checked.
   */
  constructor(positions: ReadonlyMap<number, number>, options: { allowGaps?: boolean } = {}) {
    this.#positions = positions;
    this.#allowGaps = options.allowGaps ?? false;
  }

  /** Checks the next line; returns the first problem found, after which the caller stops. */
  async add(line: number, text: string): Promise<ChainProblem | null> {
    const parsed = parseEvent(text);
    if (typeof parsed === "string") {
      return { kind: "malformed", line, seq: null, eventId: null, message: parsed };
    }
    const event = parsed;
    const current: Seen = { line, event };

    const pending = this.#judgePendingBreak(current);
    if (pending) return pending;

    const { seq, prevHash, sealedAt } = event;
    if ((await chainHash(event, { seq, prevHash, sealedAt })) !== event.hash) {
      return problem("altered", current, "its contents do not match its hash");
    }

    const previous = this.#previous;
    this.#previous = current;
    this.#events += 1;
    this.#first ??= seq;

    if (previous === null) {
      if (seq === 1 && prevHash !== GENESIS_HASH) {
        return problem("altered", current, "the first event does not start the chain");
      }
      return null;
    }
    return this.#checkLink(previous, current);
  }

  /** The stretch checked so far; a break found on the last line is judged here. */
  finish(): { problem: ChainProblem | null; summary: ChainSummary } {
    const summary = {
      events: this.#events,
      firstSeq: this.#first,
      lastSeq: this.#previous?.event.seq ?? null,
      lastHash: this.#previous?.event.hash ?? null,
    };
    const pending = this.#pendingBreak;
    if (!pending) return { problem: null, summary };
    return {
      problem: problem(
        "altered",
        pending.before,
        `the event after it (seq ${pending.after.event.seq}) records a different hash for it; ` +
          "one of the two was altered",
      ),
      summary,
    };
  }

  #checkLink(previous: Seen, current: Seen): ChainProblem | null {
    const expected = previous.event.seq + 1;
    const { seq } = current.event;

    if (seq === previous.event.seq) {
      return problem(
        "duplicated",
        current,
        `it appears twice, at lines ${previous.line} and ${current.line}`,
      );
    }
    if (seq < expected) {
      return problem("reordered", current, `it appears after seq ${previous.event.seq}`);
    }
    if (seq > expected) {
      if (this.#allowGaps) return null;
      const elsewhere = this.#positions.get(expected);
      if (elsewhere !== undefined) {
        return {
          kind: "reordered",
          line: elsewhere,
          seq: expected,
          eventId: null,
          message: `event seq ${expected} is out of place: it should follow line ${previous.line}`,
        };
      }
      const count = seq - expected;
      return {
        kind: "removed",
        line: current.line,
        seq: expected,
        eventId: null,
        message:
          count === 1
            ? `event seq ${expected} was removed (its hash was ${current.event.prevHash})`
            : `events seq ${expected} to ${seq - 1} were removed`,
      };
    }
    if (current.event.prevHash !== previous.event.hash) {
      this.#pendingBreak = { before: previous, after: current };
    }
    return null;
  }

  #judgePendingBreak(next: Seen): ChainProblem | null {
    const pending = this.#pendingBreak;
    if (!pending) return null;
    this.#pendingBreak = null;

    const { before, after } = pending;
    const nextFollows = next.event.seq === after.event.seq + 1;
    if (nextFollows && next.event.prevHash !== after.event.hash) {
      return problem("altered", after, `its predecessor link was rewritten`);
    }
    return problem(
      "altered",
      before,
      `the event after it (seq ${after.event.seq}) records a different hash for it`,
    );
  }
}

/**
 * The event a line holds, or why it holds none. A line must be exactly what the export wrote:
 * the fields the chain covers and no others, each once, in the export's own serialization.
 * Otherwise a reader (or grep) could see a value the hash never covered, such as the first of
 * two `actor` keys, of which JSON parsing keeps only the last.
 */
function parseEvent(text: string): SealedAuditEvent | string {
  const line = text.endsWith("\r") ? text.slice(0, -1) : text;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  const parsed = exportedEventSchema.safeParse(value);
  if (!parsed.success) return "not an audit event with exactly the exported fields";
  if (JSON.stringify(value) !== line) {
    return "not as exported: a field repeated, or the line reformatted";
  }
  return parsed.data;
}

const exportedEventSchema = sealedAuditEventSchema.strict();

function problem(kind: ProblemKind, seen: Seen, message: string): ChainProblem {
  return {
    kind,
    line: seen.line,
    seq: seen.event.seq,
    eventId: seen.event.id,
    message: `event seq ${seen.event.seq} (${seen.event.id}) was ${kind}: ${message}`,
  };
}
