/**
 * What a command answers, the local failures it can report before sending anything, and how it
 * asks the person a question.
 */

export interface Outcome {
  json: unknown;
  text: string;
  /** One line for stderr, whichever the output: what the person must not miss. */
  notice?: string;
}

/** A problem with a local file: reported like a usage error, before anything is sent. */
export class LocalFileError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "LocalFileError";
    this.code = code;
  }
}

/** A destructive command the person did not confirm: nothing was sent (exit status 2). */
export class NotConfirmedError extends Error {
  readonly code = "not_confirmed";

  constructor(message: string) {
    super(message);
    this.name = "NotConfirmedError";
  }
}

/** Where a command asks the person a question: the terminal on stdin, if there is one. */
export interface Prompt {
  /** Whether stdin is a terminal, with someone there to answer. */
  isTTY: boolean;
  /** Shows `question` and reads one line; null when input ended (Ctrl-D, Ctrl-C) first. */
  ask(question: string): Promise<string | null>;
}
