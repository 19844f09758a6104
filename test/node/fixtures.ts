/** Answers and a recording fetch for the client and CLI tests: no server, no network. */

import { UsageError } from "../../src/cli/args.ts";
import { run } from "../../src/cli/main.ts";
import type { FetchLike } from "../../src/client/index.ts";
import { BUILT_IN_POLICY } from "../../src/policy/classes.ts";
import { DEFAULT_SETTINGS } from "../../src/policy/settings.ts";

export const KEY = "pcl.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

export const VERSION = {
  versionId: "ver_AAAAAAAAAAAAAAAAAAAAAA",
  objectName: "ward-4-risk",
  class: "restricted",
  number: 2,
  filename: "risk.csv",
  contentType: "text/csv",
  size: 5,
  sha256: "f".repeat(64),
  modelVersion: null,
  trainingWindow: null,
  recipientGroup: null,
  labels: {},
  publishedBy: "ci",
  publishedAt: "2026-01-01T00:00:00.000Z",
  retainUntil: null,
  purged: false,
};

export const LINK = {
  id: "lnk_AAAAAAAAAAAAAAAAAAAAAA",
  versionId: VERSION.versionId,
  bundleId: null,
  class: "restricted",
  status: "active",
  usesSpent: 0,
  maxUses: 1,
  usesLeft: 1,
  expiresAt: "2026-01-01T02:00:00.000Z",
  issuedAt: "2026-01-01T00:00:00.000Z",
  issuedBy: "ci",
  recipientEmail: null,
  recipientSubjectId: null,
  recipientGroup: null,
  approval: { status: "not_required", decidedBy: null, decidedAt: null, expiresAt: null },
  revokedAt: null,
};

/** The server's own built-in policy, so the client is checked against what it really sends. */
export const BUILT_IN = {
  classes: BUILT_IN_POLICY,
  sources: {
    public: "built-in",
    internal: "built-in",
    restricted: "built-in",
    "patient-linked": "built-in",
  },
  settings: DEFAULT_SETTINGS,
} as const;

/** A tenant that allows patient-linked links a second use. */
export const POLICY = {
  classes: {
    ...BUILT_IN.classes,
    "patient-linked": { ...BUILT_IN.classes["patient-linked"], maxUses: 2 },
  },
  sources: { ...BUILT_IN.sources, "patient-linked": "tenant" },
  settings: DEFAULT_SETTINGS,
};

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  body: string;
  init: RequestInit & { duplex?: "half" };
}

/** A fetch that records what it was sent and answers with `reply`. */
export function fakeFetch(reply: (sent: Sent) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch: FetchLike = async (url, init) => {
    const body = init.body ? await new Response(init.body).text() : "";
    const request = {
      url,
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
      body,
      init,
    };
    sent.push(request);
    return reply(request);
  };
  return { fetch, sent };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export const BUNDLE = {
  bundleId: "bdl_BBBBBBBBBBBBBBBBBBBBBB",
  name: "ward-4-pack",
  class: "restricted",
  size: 2_119_999,
  members: [
    {
      versionId: VERSION.versionId,
      filename: "risk.csv",
      size: 5,
      sha256: "f".repeat(64),
    },
    {
      versionId: "ver_CCCCCCCCCCCCCCCCCCCCCC",
      filename: "model.keras",
      size: 2_119_559,
      sha256: "e".repeat(64),
    },
  ],
  manifest: `${"f".repeat(64)}  risk.csv\n${"e".repeat(64)}  model.keras\n`,
  createdBy: "ci",
  createdAt: "2026-01-01T00:00:00.000Z",
};

export const SUBJECT = {
  id: "okta|00u1abc",
  displayName: "Dr. Okafor",
  email: "okafor@ward4.example.org",
  roles: ["cardiology", "research"],
  attributes: { facility: "st-anne" },
  active: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  deactivatedAt: null,
};

/** Credentials as a user would set them: the CLI reads nothing else from the environment. */
export const CLI_ENV = { PORTCULLIS_URL: "https://gw.example.org", PORTCULLIS_API_KEY: KEY };

/** The UsageError `run` throws, or a failure saying none was thrown. */
export function usageErrorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error("expected a UsageError");
}

/** Runs the CLI in-process against `fetch`, from `cwd`, and collects what it printed. */
export async function cli(argv: string[], fetch?: FetchLike, cwd = "/") {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await run(argv, {
    stdout: { write: (text) => stdout.push(text) },
    stderr: { write: (text) => stderr.push(text), isTTY: false },
    env: CLI_ENV,
    cwd,
    ...(fetch ? { fetch } : {}),
  });
  return { status, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** A gateway that answers GET with `current`, and PUT/DELETE as the server would. */
export function policyGateway(current = POLICY) {
  return fakeFetch((request) => {
    if (request.method === "PUT") {
      const body = JSON.parse(request.body) as {
        classes?: Record<string, unknown>;
        settings?: Record<string, unknown>;
      };
      const classes = body.classes ?? {};
      const sources = Object.fromEntries(Object.keys(classes).map((name) => [name, "tenant"]));
      return json(200, {
        classes: { ...current.classes, ...classes },
        sources: { ...current.sources, ...sources },
        settings: { ...current.settings, ...body.settings },
      });
    }
    if (request.method === "DELETE") {
      const name = decodeURIComponent(request.url.split("/").at(-1) ?? "");
      return json(200, {
        classes: { ...current.classes, [name]: BUILT_IN.classes[name as "internal"] },
        sources: { ...current.sources, [name]: "built-in" },
        settings: current.settings,
      });
    }
    return json(200, current);
  });
}

/** A gateway that answers every request with a contiguous NDJSON export of `body`. */
export function exportingGateway(body: string, range: string) {
  return fakeFetch(
    () =>
      new Response(body, {
        status: 200,
        headers: {
          "Content-Type": "application/x-ndjson",
          "Portcullis-Chain": "contiguous",
          "Portcullis-Chain-Range": range,
        },
      }),
  );
}
