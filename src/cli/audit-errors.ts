/** The failure `portcullis audit verify` reports as exit status 3. */
import type { ProblemKind } from "../audit/verify.ts";

/**
 * What was found wrong: a problem of the file itself (ProblemKind, ../audit/verify.ts), or, with
 * --head, of its ends compared with the gateway's chain:
 * - gateway_mismatch: an end event differs from the gateway's at its position, or the gateway
 *   holds none there;
 * - beyond_head: the file goes past the gateway's head;
 * - not_from_start: with --from-start, the file does not begin where the gateway's chain does.
 */
export type BrokenChainKind = ProblemKind | "gateway_mismatch" | "beyond_head" | "not_from_start";

export interface BrokenChainProblem {
  kind: BrokenChainKind;
  /** The line of the file the problem is at; null when at none (an empty file). */
  line: number | null;
  seq: number | null;
  eventId: string | null;
  message: string;
}

/** The file's chain is broken, or differs from the gateway's: exit status 3, naming where. */
export class ChainBrokenError extends Error {
  readonly code = "chain_broken";
  readonly problem: BrokenChainProblem;

  constructor(message: string, problem: BrokenChainProblem) {
    super(message);
    this.name = "ChainBrokenError";
    this.problem = problem;
  }

  /** The verdict `verify --json` prints, shaped like an intact file's. */
  get json(): { intact: false; problem: BrokenChainProblem } {
    return { intact: false, problem: this.problem };
  }
}
