/**
 * The `portcullis` command: parse, find credentials, run one command, print. Results go to
 * stdout (text for people, or on success exactly one JSON document with --json); errors go to
 * stderr as one line, `error <code>: <reason>`, with --json too, and leave stdout empty, except
 * a broken chain: it is audit verify's verdict, so --json prints it on stdout as well. The exit
 * status says who erred: 1 the API or the network, 2 the command line or the local setup.
 * The API key in use is never printed, nor a URL's user name or password; a key made by
 * `keys create` is printed that once, since the answer is its only copy.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  type FetchLike,
  PortcullisClient,
  PortcullisError,
  withoutUrlCredentials,
} from "../client/index.ts";
import { parseCommandLine, UsageError } from "./args.ts";
import { ChainBrokenError, verifyAuditFile } from "./audit-commands.ts";
import {
  execute,
  LocalFileError,
  NotConfirmedError,
  type ProgressSink,
  type Prompt,
} from "./commands.ts";
import { type Credentials, CredentialsError, discoverCredentials } from "./credentials.ts";
import { helpText } from "./help.ts";

export const EXIT_OK = 0;
export const EXIT_API_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_CHAIN_BROKEN = 3;

export interface CliIo {
  stdout: { write(text: string): void };
  stderr: ProgressSink;
  /** Where questions are answered; without it, stdin counts as no terminal. */
  stdin?: Prompt;
  env: Record<string, string | undefined>;
  cwd: string;
  /** For tests; defaults to the global fetch. */
  fetch?: FetchLike;
}

const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: { isTTY: process.stdin.isTTY === true, ask: askOnTerminal },
  env: process.env,
  cwd: process.cwd(),
});

/** Asks on stderr, so stdout holds only the command's output; Ctrl-C or Ctrl-D answer null. */
function askOnTerminal(question: string): Promise<string | null> {
  const lines = createInterface({ input: process.stdin, output: process.stderr });
  let answered = false;
  return new Promise<string | null>((resolve) => {
    // Without a SIGINT listener readline only pauses on Ctrl-C, and the question would hang.
    lines.once("SIGINT", () => lines.close());
    lines.once("close", () => {
      // Ended without Enter: end the prompt's line, so what follows starts on its own.
      if (!answered) process.stderr.write("\n");
      resolve(null);
    });
    lines.question(question, (answer) => {
      answered = true;
      resolve(answer);
      lines.close();
    });
  });
}

export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let credentials: Credentials | undefined;
  let json = false;
  try {
    // Only first, like --help: `portcullis audit --version` is no question about the CLI.
    if (argv[0] === "--version" || argv[0] === "-V") {
      io.stdout.write(`${packageVersion()}\n`);
      return EXIT_OK;
    }
    const invocation = parseCommandLine(argv);
    if (invocation.command === "help") {
      io.stdout.write(`${helpText(invocation.topic)}\n`);
      return EXIT_OK;
    }
    json = invocation.json;

    // Verifying a file needs no gateway unless its head is to be compared too.
    if (invocation.command === "audit verify" && !invocation.head) {
      const outcome = await verifyAuditFile(invocation, null);
      io.stdout.write(
        `${invocation.json ? JSON.stringify(outcome.json, null, 2) : outcome.text}\n`,
      );
      return EXIT_OK;
    }

    credentials = discoverCredentials(io.env, io.cwd);
    const client = new PortcullisClient({
      baseUrl: credentials.url,
      apiKey: credentials.apiKey,
      userAgent: "portcullis-cli",
      fetch: io.fetch,
    });
    const outcome = await execute(client, invocation, io);
    io.stdout.write(`${invocation.json ? JSON.stringify(outcome.json, null, 2) : outcome.text}\n`);
    if (outcome.notice) io.stderr.write(`${outcome.notice}\n`);
    return EXIT_OK;
  } catch (error) {
    if (json && error instanceof ChainBrokenError) {
      io.stdout.write(`${JSON.stringify(error.json, null, 2)}\n`);
    }
    const { code, reason, status } = describeFailure(error, credentials);
    const line = withoutUrlCredentials(reason).replace(/\s*\n\s*/g, " ");
    io.stderr.write(`error ${code}: ${line}\n`);
    return status;
  }
}

/** The version in the package.json the CLI runs from, two levels above this file. */
function packageVersion(): string {
  const manifest = join(import.meta.dirname, "..", "..", "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

function describeFailure(
  error: unknown,
  credentials: Credentials | undefined,
): { code: string; reason: string; status: number } {
  if (error instanceof ChainBrokenError) {
    return { code: error.code, reason: error.message, status: EXIT_CHAIN_BROKEN };
  }
  if (error instanceof UsageError) {
    const help = error.command ? `portcullis ${error.command} --help` : "portcullis --help";
    return { code: error.code, reason: `${error.message} See ${help}.`, status: EXIT_USAGE };
  }
  if (
    error instanceof CredentialsError ||
    error instanceof LocalFileError ||
    error instanceof NotConfirmedError
  ) {
    return { code: error.code, reason: error.message, status: EXIT_USAGE };
  }
  if (error instanceof PortcullisError) {
    return { code: error.code, reason: explain(error, credentials), status: EXIT_API_ERROR };
  }
  // A bug in the CLI itself: say so plainly rather than dress it up as an API answer.
  const message = error instanceof Error ? error.message : String(error);
  return { code: "internal", reason: message, status: EXIT_API_ERROR };
}

/** Ends `text` as a sentence, so the next one does not run into it. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function explain(error: PortcullisError, credentials: Credentials | undefined): string {
  let reason = error.detail;
  if (error.code === "unauthenticated" && credentials) {
    reason = `${sentence(reason)} The API key from ${credentials.keySource} was refused.`;
    if (credentials.keySource.endsWith("dev.json")) {
      reason += " If the local database was reset, run `npm run setup:dev`.";
    }
  }
  if (error.code === "network_error" && credentials) {
    reason = `${sentence(reason)} Is the gateway running at ${credentials.url}?`;
  }
  if (error.status > 0 && error.requestId) reason += ` (request ${error.requestId})`;
  return reason;
}
