/**
 * Reading a file, a pipe or standard input line by line, in one pass, with a bound on what is
 * held: `portcullis audit verify` reads exports of millions of events, and input that is no
 * export at all (a stream of zeros has no line end).
 */
import type { Readable } from "node:stream";
import { LocalFileError } from "./outcome.ts";

/**
 * The longest line read whole. An audit event is a few KB (a policy change, the largest, holds
 * whole policies) and is published as one queue message of at most 128 KB, so a longer line is no
 * event; reading it whole could exhaust memory (a stream of zeros has no line end at all).
 */
export const MAX_LINE_BYTES = 1024 * 1024;
export const MAX_LINE_MIB = MAX_LINE_BYTES / (1024 * 1024);

const LF = 0x0a;
const CR = 0x0d;

export interface InputLine {
  /** 1-based; blank lines count, so the numbers are an editor's. */
  number: number;
  /** The line without its end; when `overLong`, only its first MAX_LINE_BYTES. */
  bytes: Buffer;
  /** Longer than MAX_LINE_BYTES: given as soon as that is known, and the rest of it skipped. */
  overLong: boolean;
}

/**
 * The lines of `input`, in one pass. A line ends at LF, CRLF or a lone CR, as readline takes
 * them; at most MAX_LINE_BYTES of a line are held.
 */
export async function* linesOf(input: Readable, name: string): AsyncGenerator<InputLine> {
  let pieces: Buffer[] = [];
  let held = 0;
  let number = 0;
  // The line ran past MAX_LINE_BYTES and was given: what is left of it is dropped.
  let skipping = false;
  // The last chunk ended with a CR: an LF starting this one ends the same line.
  let afterCr = false;

  const take = (overLong: boolean): InputLine => {
    number += 1;
    const bytes = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
    pieces = [];
    held = 0;
    return { number, bytes, overLong };
  };

  for await (const bytes of chunksOf(input, name)) {
    let start = afterCr && bytes[0] === LF ? 1 : 0;
    afterCr = false;
    // Each searched once from where the last line ended, so a chunk is scanned in linear time.
    let lf = bytes.indexOf(LF, start);
    let cr = bytes.indexOf(CR, start);
    while (start < bytes.length) {
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      const piece = bytes.subarray(start, end === -1 ? bytes.length : end);
      if (!skipping) {
        held += piece.length;
        const over = held - MAX_LINE_BYTES;
        pieces.push(over > 0 ? piece.subarray(0, piece.length - over) : piece);
        if (over > 0) {
          skipping = true;
          yield take(true);
        }
      }
      if (end === -1) break;

      if (skipping) skipping = false;
      else yield take(false);
      start = end + 1;
      if (bytes[end] === CR && start === bytes.length) afterCr = true;
      if (bytes[end] === CR && bytes[start] === LF) start += 1;
      if (lf !== -1 && lf < start) lf = bytes.indexOf(LF, start);
      if (cr !== -1 && cr < start) cr = bytes.indexOf(CR, start);
    }
  }
  // The last line, when the input does not end with a line end.
  if (held > 0 && !skipping) yield take(false);
}

/** The chunks of `input` as bytes; a failure to read becomes a LocalFileError naming `name`. */
async function* chunksOf(input: Readable, name: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of input) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      // An empty chunk would lose track of a CR ending the chunk before it.
      if (bytes.length > 0) yield bytes;
    }
  } catch (error) {
    throw new LocalFileError("file_unreadable", `cannot read ${name}: ${(error as Error).message}`);
  } finally {
    input.destroy();
  }
}
