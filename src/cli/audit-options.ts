/** Checking `portcullis audit export` options before anything is sent. */
import type { AuditExportArgs } from "./audit-commands.ts";
import { UsageError } from "./usage.ts";

type Values = Record<string, string | string[] | boolean | undefined>;

const FORMATS = ["ndjson", "csv"] as const;

function time(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d\d-\d\d/.test(value)) {
    throw new UsageError(`--${name} must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z.`);
  }
  // A bare date means its midnight in UTC; the API takes full times only.
  return /^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00Z` : value;
}

export function parseAuditExport(values: Values): AuditExportArgs {
  const text = (name: string) => values[name] as string | undefined;
  const out = text("out");
  if (!out) throw new UsageError("audit export needs --out FILE.");

  const format = text("format") ?? "ndjson";
  if (!FORMATS.some((known) => known === format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}.`);
  }
  return {
    out,
    query: {
      format: format as (typeof FORMATS)[number],
      since: time("since", text("since")),
      until: time("until", text("until")),
      linkId: text("link"),
      versionId: text("version"),
      action: text("action"),
      outcome: text("outcome"),
    },
  };
}
