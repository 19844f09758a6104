/** What a command answers, and the local failures it can report before sending anything. */

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
