/**
 * The chain positions a verification has met so far, and the line each is on, kept as runs of
 * consecutive positions on consecutive lines. A contiguous export is one run however long it is,
 * so a file of millions of events is checked in a single pass with almost no memory; a filtered
 * export costs one run per stretch without gaps.
 *
 * Positions are added in rising order (a step back ends verification), so the runs stay sorted
 * and a lookup is a binary search.
 */
interface Run {
  firstSeq: number;
  lastSeq: number;
  /** The line `firstSeq` is on; each later position of the run is on the next line. */
  firstLine: number;
}

export class SeenPositions {
  readonly #runs: Run[] = [];

  add(seq: number, line: number): void {
    const last = this.#runs.at(-1);
    const extends_ =
      last !== undefined &&
      seq === last.lastSeq + 1 &&
      line === last.firstLine + (last.lastSeq - last.firstSeq) + 1;
    if (extends_) {
      last.lastSeq = seq;
      return;
    }
    this.#runs.push({ firstSeq: seq, lastSeq: seq, firstLine: line });
  }

  /** The line position `seq` was met on, or null when it was not met. */
  lineOf(seq: number): number | null {
    let low = 0;
    let high = this.#runs.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const run = this.#runs[middle] as Run;
      if (seq < run.firstSeq) high = middle - 1;
      else if (seq > run.lastSeq) low = middle + 1;
      else return run.firstLine + (seq - run.firstSeq);
    }
    return null;
  }
}
