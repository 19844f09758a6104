/**
 * `portcullis audit verify --head` and `--from-start`: the file's ends compared with the
 * gateway's chain. Offline, a file rewritten consistently from some point on, another tenant's
 * file, or one cut short at either end cannot be told from the real chain; the gateway's events
 * at the file's first and last positions, its head and its anchor can.
 */
import type { FileEnds, Seen } from "../audit/verify.ts";
import type { PortcullisClient } from "../client/index.ts";
import { type BrokenChainKind, ChainBrokenError } from "./audit-errors.ts";

/** What `--head` found, as data for `--json`. */
export interface GatewayComparison {
  /** The gateway's last position; null when it holds no event. */
  headSeq: number | null;
  /** The first position the gateway still holds: 1, or the anchor's seq + 1 after pruning. */
  startSeq: number;
  /** How many events the gateway's chain holds, from startSeq to headSeq. */
  eventsHeld: number;
  /** How many of the file's end events were compared (pruned ones cannot be). */
  compared: number;
  /** True when the compared events match; null when none was left to compare. */
  matches: true | null;
  /** Events of the gateway's chain before the file's first, and after its last; null if empty. */
  eventsBefore: number | null;
  eventsAfter: number | null;
}

export interface GatewayVerdict {
  gateway: GatewayComparison;
  /** Sentences for people: what the file does not hold, which is not a failure. */
  notes: string[];
}

/**
 * Compares `ends` (null for an empty file) with the gateway's chain. Fails (exit status 3) when
 * an end event differs or lies beyond the head, and, with `fromStart`, when the file does not
 * begin where the gateway's chain does; the failure names the end event (kinds in
 * ./audit-errors.ts).
 */
export async function compareWithGateway(
  client: PortcullisClient,
  ends: FileEnds | null,
  fromStart: boolean,
): Promise<GatewayVerdict> {
  const { head, anchor } = await client.auditHead();
  const startSeq = (anchor?.seq ?? 0) + 1;
  const headSeq = head?.seq ?? null;
  const eventsHeld = headSeq === null ? 0 : headSeq - startSeq + 1;
  const chain = { headSeq, startSeq, eventsHeld };

  if (ends === null) return emptyFileVerdict(chain, fromStart);

  const firstSeq = ends.first.event.seq;
  const lastSeq = ends.last.event.seq;
  if (headSeq === null || headSeq < lastSeq) {
    throw brokenAt(
      "beyond_head",
      ends.last,
      `the file goes to seq ${lastSeq}, beyond the gateway's head (${headSeq ?? "none"}).`,
    );
  }
  const compared = await compareEnds(client, ends, anchor?.seq ?? 0);

  const eventsBefore = Math.max(0, firstSeq - startSeq);
  if (fromStart && eventsBefore > 0) {
    throw brokenAt(
      "not_from_start",
      ends.first,
      `the file starts at seq ${firstSeq}, but the gateway's chain starts at seq ` +
        `${startSeq}: ${countOf(eventsBefore)} at its start ${isAre(eventsBefore)} not in ` +
        "the file (--from-start).",
    );
  }
  const notes =
    eventsBefore > 0
      ? [
          `note: the file starts at seq ${firstSeq}, after the start of the gateway's ` +
            `chain (seq ${startSeq}): ${countOf(eventsBefore)} before it ` +
            `${isAre(eventsBefore)} not in the file. Add --from-start to require them.`,
        ]
      : [];
  const gateway: GatewayComparison = {
    ...chain,
    compared,
    matches: compared > 0 ? true : null,
    eventsBefore,
    eventsAfter: headSeq - lastSeq,
  };
  return { gateway, notes };
}

function emptyFileVerdict(
  chain: Pick<GatewayComparison, "headSeq" | "startSeq" | "eventsHeld">,
  fromStart: boolean,
): GatewayVerdict {
  const { headSeq, startSeq, eventsHeld } = chain;
  const held = `${countOf(eventsHeld)} (seq ${startSeq}-${headSeq})`;
  if (fromStart && eventsHeld > 0) {
    throw brokenAt(
      "not_from_start",
      null,
      `the file holds no events, but the gateway's chain holds ${held} (--from-start).`,
    );
  }
  const notes =
    eventsHeld > 0 ? [`note: the gateway's chain holds ${held}, none of them in the file.`] : [];
  const gateway: GatewayComparison = {
    ...chain,
    compared: 0,
    matches: null,
    eventsBefore: null,
    eventsAfter: null,
  };
  return { gateway, notes };
}

/** Compares the end events with the gateway's at the same positions; returns how many were. */
async function compareEnds(
  client: PortcullisClient,
  ends: FileEnds,
  prunedThrough: number,
): Promise<number> {
  const { first, last } = ends;
  let compared = 0;
  for (const end of first.event.seq === last.event.seq ? [first] : [first, last]) {
    const { seq, hash } = end.event;
    // Pruned by audit retention since the export: nothing left to compare it with.
    if (seq <= prunedThrough) continue;
    const theirs = (await client.audit({ seq, limit: 1 })).events[0];
    if (!theirs) {
      throw brokenAt("gateway_mismatch", end, `the gateway holds no event at seq ${seq}.`);
    }
    if (theirs.hash !== hash) {
      throw brokenAt(
        "gateway_mismatch",
        end,
        `event seq ${seq} differs from the gateway's (another tenant's file, or rewritten).`,
      );
    }
    compared += 1;
  }
  return compared;
}

/** A failure of the comparison, at the file's event `at` (null for an empty file). */
function brokenAt(kind: BrokenChainKind, at: Seen | null, message: string): ChainBrokenError {
  const line = at?.line ?? null;
  const seq = at?.event.seq ?? null;
  const eventId = at?.event.id ?? null;
  return new ChainBrokenError(message, { kind, line, seq, eventId, message });
}

/** The gateway part of verify's summary line, e.g. "matches the gateway, which is 3 further". */
export function describeComparison(gateway: GatewayComparison): string {
  const distance = gateway.eventsAfter ?? 0;
  const where =
    distance === 0
      ? "the file ends at the gateway's head"
      : `the gateway's head is ${distance} further`;
  const verdict = gateway.matches
    ? "matches the gateway"
    : "no event left to compare at the gateway";
  return `${verdict}, ${where}`;
}

function countOf(events: number): string {
  return `${events} event${events === 1 ? "" : "s"}`;
}

function isAre(count: number): string {
  return count === 1 ? "is" : "are";
}
