/**
 * Where the CLI finds the gateway and its API key: `PORTCULLIS_URL` and `PORTCULLIS_API_KEY`
 * first, then `.portcullis/dev.json` (written by `npm start`), searched for from the working
 * directory up to the filesystem root. Each value is taken from the first place that has it.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { withoutUrlCredentials } from "../client/errors.ts";

export const DEV_CREDENTIALS_PATH = join(".portcullis", "dev.json");

export interface Credentials {
  url: string;
  apiKey: string;
  /** Where the key came from (`PORTCULLIS_API_KEY` or a dev.json path), for error messages. */
  keySource: string;
}

/** A missing or unreadable configuration: the command cannot start (exit status 2). */
export class CredentialsError extends Error {
  readonly code: "no_credentials" | "bad_credentials_file" | "bad_url";

  constructor(code: CredentialsError["code"], message: string) {
    super(message);
    this.name = "CredentialsError";
    this.code = code;
  }
}

/** Reads a file's text, or `null` when it does not exist. Injected so tests need no disk. */
export type ReadText = (path: string) => string | null;

export const readTextIfExists: ReadText = (path) => {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
};

/** The nearest `.portcullis/dev.json` at or above `cwd`, with its text. */
export function findDevCredentials(
  cwd: string,
  read: ReadText = readTextIfExists,
): { path: string; text: string } | null {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const path = join(dir, DEV_CREDENTIALS_PATH);
    const text = read(path);
    if (text !== null) return { path, text };
    if (dirname(dir) === dir) return null;
  }
}

function parseDevFile(path: string, text: string): { url?: string; apiKey?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CredentialsError("bad_credentials_file", `${path} is not valid JSON.`);
  }
  const record = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  const found: { url?: string; apiKey?: string } = {};
  if (typeof record.url === "string" && record.url) found.url = record.url;
  if (typeof record.apiKey === "string" && record.apiKey) found.apiKey = record.apiKey;
  return found;
}

export function discoverCredentials(
  env: Record<string, string | undefined>,
  cwd: string,
  read: ReadText = readTextIfExists,
): Credentials {
  const fromEnv = {
    url: env.PORTCULLIS_URL || undefined,
    apiKey: env.PORTCULLIS_API_KEY || undefined,
  };
  if (fromEnv.url && fromEnv.apiKey) {
    return checked({ url: fromEnv.url, apiKey: fromEnv.apiKey, keySource: "PORTCULLIS_API_KEY" });
  }

  const devFile = findDevCredentials(cwd, read);
  const fromFile = devFile ? parseDevFile(devFile.path, devFile.text) : {};
  const url = fromEnv.url ?? fromFile.url;
  const apiKey = fromEnv.apiKey ?? fromFile.apiKey;
  if (url && apiKey && devFile) {
    return checked({
      url,
      apiKey,
      keySource: fromEnv.apiKey ? "PORTCULLIS_API_KEY" : devFile.path,
    });
  }

  const missing = [url ? null : "PORTCULLIS_URL", apiKey ? null : "PORTCULLIS_API_KEY"]
    .filter(Boolean)
    .join(" and ");
  const hint = devFile
    ? `; ${devFile.path} lacks a usable "url" or "apiKey"`
    : ", or run `npm start` in the Portcullis repository to create .portcullis/dev.json";
  throw new CredentialsError("no_credentials", `Set ${missing}${hint}.`);
}

/** A URL fit to print, credentials out, even when it does not parse as one (`u:p@host`). */
function printable(raw: string): string {
  return withoutUrlCredentials(raw).replace(/^[^\s/]*@/, "");
}

function checked(credentials: Credentials): Credentials {
  const url = URL.canParse(credentials.url) ? new URL(credentials.url) : null;
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    throw new CredentialsError(
      "bad_url",
      `The gateway URL ${printable(credentials.url)} is not an absolute http:// or https:// URL.`,
    );
  }
  if (url.username || url.password) {
    url.username = "";
    url.password = "";
    throw new CredentialsError(
      "bad_url",
      `The gateway URL ${url.href} must not hold a user name or password; the API key is the ` +
        "credential.",
    );
  }
  return credentials;
}
