/** The failure `portcullis audit verify` reports as exit status 3. */

/** The file's chain is broken, or differs from the gateway's: exit status 3, naming where. */
export class ChainBrokenError extends Error {
  readonly code = "chain_broken";
}
