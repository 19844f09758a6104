/**
 * The chain positions a verification has met so far, and the line each is on, kept as runs of
 * consecutive positions on consecutive lines. A contiguous export is one run however long it is,
 * so a file of millions of events is checked in a single pass with little memory; a filtered
 * export costs one run per stretch without gaps.
 *
 * Each position also keeps the first 32 bits of its event's hash, 4 bytes an event (4 MB for a
 * million): enough to tell a line copied from an earlier one from a different event claiming the
 * same position. Events that differ only beyond those bits (a chance of one in four billion, or
 * crafted) would be called a copy; the line is refused either way, only the wording differs.
 *
 * Positions are added in rising order (a step back ends verification), so the runs stay sorted
 * and a lookup is a binary search.
 */
interface Run {
  firstSeq: number;
  lastSeq: number;
  /** The line `firstSeq` is on; each later position of the run is on the next line. */
  firstLine: number;
  /** Where `firstSeq`'s hash bits are among all positions met, in the order met. */
  firstIndex: number;
}

/** A position met before: its line, and whether its event had the hash asked about. */
export interface SeenPosition {
  line: number;
  sameHash: boolean;
}

/** Hash bits are kept in blocks of this many, so no array is copied to grow. */
const BLOCK = 16_384;

export class SeenPositions {
  readonly #runs: Run[] = [];
  readonly #blocks: Uint32Array[] = [];
  #count = 0;

  /** Records position `seq`, met on `line`, holding an event with the 64 hex digit `hash`. */
  add(seq: number, line: number, hash: string): void {
    const index = this.#count;
    this.#count += 1;
    if (index % BLOCK === 0) this.#blocks.push(new Uint32Array(BLOCK));
    (this.#blocks.at(-1) as Uint32Array)[index % BLOCK] = hashBits(hash);

    const last = this.#runs.at(-1);
    const extends_ =
      last !== undefined &&
      seq === last.lastSeq + 1 &&
      line === last.firstLine + (last.lastSeq - last.firstSeq) + 1;
    if (extends_) {
      last.lastSeq = seq;
      return;
    }
    this.#runs.push({ firstSeq: seq, lastSeq: seq, firstLine: line, firstIndex: index });
  }

  /** Where position `seq` was met, and whether its event had `hash`; null when it was not met. */
  find(seq: number, hash: string): SeenPosition | null {
    let low = 0;
    let high = this.#runs.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const run = this.#runs[middle] as Run;
      if (seq < run.firstSeq) high = middle - 1;
      else if (seq > run.lastSeq) low = middle + 1;
      else return this.#at(run, seq - run.firstSeq, hash);
    }
    return null;
  }

  #at(run: Run, offset: number, hash: string): SeenPosition {
    const index = run.firstIndex + offset;
    const bits = (this.#blocks[Math.floor(index / BLOCK)] as Uint32Array)[index % BLOCK];
    return { line: run.firstLine + offset, sameHash: bits === hashBits(hash) };
  }
}

/** The first 32 bits of a hash given as hex digits. */
function hashBits(hash: string): number {
  return Number.parseInt(hash.slice(0, 8), 16);
}
