/**
 * Which bytes of a file a download session has served, as sorted, disjoint, half-open intervals.
 * A download is complete when the intervals cover the whole file, however many requests, ranges
 * or resumptions it took to get there.
 */
export type ByteInterval = readonly [start: number, end: number];

/** Adds [start, end) and returns the merged, sorted set; empty intervals change nothing. */
export function addInterval(served: readonly ByteInterval[], start: number, end: number) {
  if (end <= start) return [...served];
  const merged: ByteInterval[] = [];
  let next: ByteInterval = [start, end];
  let placed = false;

  for (const interval of served) {
    if (interval[1] < next[0]) {
      merged.push(interval);
    } else if (next[1] < interval[0]) {
      if (!placed) merged.push(next);
      placed = true;
      merged.push(interval);
    } else {
      // Overlapping or touching: widen the pending interval instead of keeping both.
      next = [Math.min(interval[0], next[0]), Math.max(interval[1], next[1])];
    }
  }
  if (!placed) merged.push(next);
  return merged;
}

export function coversWholeFile(served: readonly ByteInterval[], size: number): boolean {
  if (size === 0) return true;
  const [first] = served;
  return served.length === 1 && first !== undefined && first[0] === 0 && first[1] >= size;
}

export function distinctBytes(served: readonly ByteInterval[]): number {
  return served.reduce((total, [start, end]) => total + (end - start), 0);
}
