/**
 * The chain verifier on its own, line by line as `portcullis audit verify` feeds it: which event
 * a tampered file names, and how, for the cases people meet (a copy appended, another event at a
 * position already met, two events swapped, an event moved, another tenant's export appended, a
 * garbage or cut-short line, a reformatted line), and what a filtered file's summary says about
 * its gaps.
 */
import { describe, expect, it } from "vitest";
import { ChainVerifier } from "../../src/audit/verify.ts";
import { chainLines, eventOf, resealed, TENANT } from "./support/audit-lines.ts";

async function verify(lines: readonly string[], options = {}) {
  const verifier = new ChainVerifier(options);
  for (const [index, line] of lines.entries()) {
    const problem = await verifier.add(index + 1, line);
    if (problem) return { problem, summary: null };
  }
  return verifier.finish();
}

/** `lines` with the lines at 0-based `a` and `b` swapped. */
function swapped(lines: readonly string[], a: number, b: number): string[] {
  const copy = [...lines];
  [copy[a], copy[b]] = [lines[b] ?? "", lines[a] ?? ""];
  return copy;
}

const CHAIN = await chainLines(15);
const OTHER_TENANT = "tnt_BBBBBBBBBBBBBBBBBBBBBB";
const OTHER = await chainLines(16, OTHER_TENANT);

describe("a duplicated or moved event is named as such", () => {
  it("a copy of line 5 appended at the end is duplicated, citing both lines", async () => {
    const { problem } = await verify([...CHAIN, CHAIN[4] ?? ""]);
    expect(problem).toMatchObject({ kind: "duplicated", seq: 5, line: 16 });
    expect(problem?.message).toContain("it appears twice, at lines 5 and 16");
  });

  it("a different event at a position already met is not called a copy", async () => {
    const other = await resealed(CHAIN[4], { country: "FR" });
    const { problem } = await verify([...CHAIN, other]);
    expect(problem).toMatchObject({ kind: "duplicated", seq: 5, line: 16 });
    expect(problem?.message).toContain("two different events claim seq 5, at lines 5 and 16");
    expect(problem?.message).not.toContain("appears twice");
  });

  it("in a filtered file's later stretches, a copy and another event are told apart", async () => {
    const filtered = CHAIN.filter((_, index) => index !== 2 && index !== 8);
    const copy = await verify([...filtered, CHAIN[9] ?? ""], { allowGaps: true });
    expect(copy.problem?.message).toContain("appears twice, at lines 8 and 14");

    const other = await resealed(CHAIN[9], { country: "FR" });
    const different = await verify([...filtered, other], { allowGaps: true });
    expect(different.problem?.message).toContain(
      "two different events claim seq 10, at lines 8 and 14",
    );
  });

  it("a filtered file with lines 5 and 11 swapped names a moved event, not seq 6", async () => {
    const filtered = CHAIN.filter((_, index) => index !== 2);
    const { problem } = await verify(swapped(filtered, 4, 10), { allowGaps: true });
    expect(problem?.kind).toBe("reordered");
    // Lines 5 and 11 hold seq 6 and 12 of the chain; swapped, both moved and either is right.
    expect([eventOf(filtered[4]).seq, eventOf(filtered[10]).seq]).toContain(problem?.seq);
    expect(problem?.seq).not.toBe(eventOf(filtered[5]).seq);
  });

  it("a contiguous file with lines 5 and 11 swapped names a moved event, not seq 6", async () => {
    const { problem } = await verify(swapped(CHAIN, 4, 10));
    expect(problem).toMatchObject({ kind: "reordered", seq: 11, line: 5 });
  });

  it("two neighbours swapped name the second line's event, the earlier in the chain", async () => {
    const { problem } = await verify(swapped(CHAIN, 1, 2));
    expect(problem).toMatchObject({ kind: "reordered", seq: 2, line: 3 });
    expect(problem?.message).toContain("out of place at line 3, after seq 3");

    const later = await verify(swapped(CHAIN, 4, 5));
    expect(later.problem).toMatchObject({ kind: "reordered", seq: 5, line: 6 });
    expect(later.problem?.message).toContain("out of place at line 6, after seq 6 (line 5)");
  });

  it("an event moved forward is named, not every event it jumped over", async () => {
    const moved = [
      ...CHAIN.slice(0, 4),
      CHAIN[10] ?? "",
      ...CHAIN.slice(4, 10),
      ...CHAIN.slice(11),
    ];
    const { problem } = await verify(moved);
    expect(problem).toMatchObject({ kind: "reordered", seq: 11, line: 5 });
  });

  it("an event moved to the end is reordered, not removed", async () => {
    const moved = [...CHAIN.filter((_, index) => index !== 2), CHAIN[2] ?? ""];
    const { problem } = await verify(moved);
    expect(problem).toMatchObject({ kind: "reordered", seq: 3, line: 15 });
  });

  it("a removed event is reported before a problem further down the file", async () => {
    const lines = CHAIN.filter((_, index) => index !== 2);
    lines[9] = (lines[9] ?? "").replace('"country":"DE"', '"country":"FR"');
    const { problem } = await verify(lines);
    expect(problem).toMatchObject({ kind: "removed", seq: 3, line: 3 });
    expect(problem?.message).toContain(eventOf(CHAIN[2]).hash);
  });
});

describe("every event belongs to the tenant of the file's first event", () => {
  it("another tenant's export appended is foreign, not a duplicate of its positions", async () => {
    const { problem } = await verify([...CHAIN, ...OTHER]);
    const first = eventOf(OTHER[0]);
    expect(problem).toMatchObject({ kind: "foreign", line: 16, seq: 1, eventId: first.id });
    expect(problem?.message).toBe(
      `event seq 1 (${first.id}) belongs to another tenant (${OTHER_TENANT}) than the ` +
        `file's first event (${TENANT}, on line 1)`,
    );
  });

  it("another tenant's event is foreign before its hash or its link is judged", async () => {
    // Seq 16 follows the file's last position, but neither links to it nor matches its hash.
    const next = (OTHER[15] ?? "").replace('"country":"DE"', '"country":"FR"');
    const { problem } = await verify([...CHAIN, next]);
    expect(problem).toMatchObject({ kind: "foreign", line: 16, seq: 16 });
  });
});

describe("a line that is not an event names the last good event before it", () => {
  it("a garbage line mid-file is malformed, naming the event before it", async () => {
    const lines = [...CHAIN.slice(0, 6), "hello", ...CHAIN.slice(6)];
    const { problem } = await verify(lines);
    const last = eventOf(CHAIN[5]);
    expect(problem).toMatchObject({ kind: "malformed", line: 7 });
    expect(problem?.message).toContain(`seq ${last.seq} (${last.id}), on line 6`);
  });

  it("a truncated last line is malformed, naming the event before it", async () => {
    const lines = [...CHAIN.slice(0, -1), (CHAIN.at(-1) ?? "").slice(0, 40)];
    const { problem } = await verify(lines);
    const last = eventOf(CHAIN.at(-2));
    expect(problem).toMatchObject({ kind: "malformed", line: 15 });
    expect(problem?.message).toContain(`not JSON (cut short?)`);
    expect(problem?.message).toContain(`seq ${last.seq} (${last.id})`);
  });

  it("a first line cut short inside its event is malformed, with no event before it", async () => {
    const { problem } = await verify(['{"id":"x"', ...CHAIN]);
    expect(problem).toMatchObject({ kind: "malformed", line: 1, seq: null });
    expect(problem?.message).toBe("not JSON (cut short?); no event comes before it");
  });

  it("a line the caller could not read whole names the last good event before it", async () => {
    const verifier = new ChainVerifier();
    for (const [index, line] of CHAIN.slice(0, 3).entries()) await verifier.add(index + 1, line);
    const problem = verifier.unreadable(4, "longer than 1 MiB");
    const last = eventOf(CHAIN[2]);
    expect(problem).toEqual({
      kind: "malformed",
      line: 4,
      seq: null,
      eventId: null,
      message: `longer than 1 MiB; the last good event before it is seq 3 (${last.id}), on line 3`,
    });
  });
});

describe("a line must be exactly as exported", () => {
  it("a line whose fields are reordered is refused, naming the event", async () => {
    const target = eventOf(CHAIN[3]);
    const { id, ...rest } = target;
    const lines = [...CHAIN];
    lines[3] = JSON.stringify({ ...rest, id });

    const { problem } = await verify(lines);
    expect(problem).toMatchObject({ kind: "malformed", line: 4, seq: 4, eventId: target.id });
    expect(problem?.message).toContain("not in the exported order");
  });

  it("a line with a trailing space is refused as reformatted, naming the event", async () => {
    const lines = [...CHAIN];
    lines[3] = `${lines[3]} `;
    const { problem } = await verify(lines);
    expect(problem).toMatchObject({ kind: "malformed", seq: 4 });
    expect(problem?.message).toContain("not as exported: a field repeated, or the line");
  });

  it("the lines as exported verify, CRLF line ends included", async () => {
    expect(await verify(CHAIN)).toMatchObject({ problem: null, summary: { events: 15 } });
    const crlf = CHAIN.map((line) => `${line}\r`);
    expect(await verify(crlf)).toMatchObject({ problem: null, summary: { events: 15 } });
  });
});

describe("the summary of a filtered file", () => {
  it("counts the positions missing and lists them", async () => {
    const lines = CHAIN.filter((_, index) => index !== 4 && index !== 8 && index !== 9);
    const { problem, summary } = await verify(lines, { allowGaps: true });
    expect(problem).toBeNull();
    expect(summary).toMatchObject({ events: 12, firstSeq: 1, lastSeq: 15 });
    expect(summary?.missing).toEqual({
      count: 3,
      ranges: [
        { from: 5, to: 5 },
        { from: 9, to: 10 },
      ],
    });
  });

  it("lists only the first five stretches, but counts them all", async () => {
    const everyOther = CHAIN.filter((_, index) => index % 2 === 0);
    const { summary } = await verify(everyOther, { allowGaps: true });
    expect(summary?.missing.count).toBe(7);
    expect(summary?.missing.ranges.map((range) => range.from)).toEqual([2, 4, 6, 8, 10]);
  });
});
