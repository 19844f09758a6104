/**
 * Checking `portcullis audit` options before anything is sent: every time option takes the same
 * forms and is sent in one form, and a value the API would refuse is refused here, naming the
 * option, as a usage error (exit status 2) rather than as the API's answer (exit status 1).
 */
import type { AuditQuery } from "../client/index.ts";
import type { AuditExportArgs, AuditVerifyArgs } from "./audit-commands.ts";
import { parsePageLimit, parsePositiveInteger, UsageError } from "./usage.ts";

type Values = Record<string, string | string[] | boolean | undefined>;

const FORMATS = ["ndjson", "csv"] as const;

/** The most events one page of `GET /v1/audit` holds. */
export const AUDIT_PAGE_LIMIT = 500;

const DATE = /^(\d{4})-(\d\d)-(\d\d)$/;
const DATE_TIME =
  /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,9})?(Z|[+-](\d\d):(\d\d))?$/;

/**
 * An audit time option: a full ISO 8601 date-time with its zone (`Z` or `±hh:mm`), or a date,
 * meaning its 00:00 UTC. Sent in UTC, with milliseconds when it has any. A time without a zone
 * is refused rather than guessed: the machine's zone need not be the one the person meant.
 *
 * Events are stamped in whole milliseconds, so a time with finer digits is rounded up to the
 * next millisecond: an event at millisecond m is at or after t (an inclusive start) exactly when
 * m >= ceil(t), and before t (an exclusive end) exactly when m < ceil(t). Cutting the digits off
 * instead would let in an event earlier than the start asked for.
 */
export function parseAuditTime(option: string, value: string): string {
  const example = "e.g. 2026-12-01T00:00:00Z or 2026-12-01";
  const date = DATE.exec(value);
  if (date) {
    checkCalendar(option, value, date.slice(1, 4).map(Number));
    return `${value}T00:00:00Z`;
  }

  const time = DATE_TIME.exec(value);
  if (!time) {
    throw new UsageError(`--${option} "${value}" is not an ISO 8601 time; use ${example}.`);
  }
  if (time[7] === undefined) {
    throw new UsageError(
      `--${option} "${value}" has no zone, and a zone is required: add Z for UTC, ` +
        "or an offset such as +01:00.",
    );
  }
  const parts = [1, 2, 3, 4, 5, 6, 8, 9].map((index) => Number(time[index] ?? 0));
  checkCalendar(option, value, parts);

  // Parsed without its fraction, which is then added as a whole number of milliseconds, so the
  // rounding does not depend on how a runtime reads more than three digits.
  const fraction = /\.(\d+)/.exec(value)?.[1] ?? "";
  const seconds = Date.parse(value.replace(/\.\d+/, ""));
  const milliseconds = Number(fraction.slice(0, 3).padEnd(3, "0"));
  const finer = /[1-9]/.test(fraction.slice(3)) ? 1 : 0;
  return new Date(seconds + milliseconds + finer).toISOString().replace(/\.000Z$/, "Z");
}

/** Date.parse would roll 2026-02-30 over into March; a mistyped date is refused instead. */
function checkCalendar(option: string, value: string, parts: number[]): void {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = parts;
  const [offsetHours = 0, offsetMinutes = 0] = parts.slice(6);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!valid) throw new UsageError(`--${option} "${value}" is not a real date and time.`);
}

function optionalTime(values: Values, option: string): string | undefined {
  const value = values[option] as string | undefined;
  return value === undefined ? undefined : parseAuditTime(option, value);
}

/** The API refuses an empty range; so does the command line, naming both options. */
function checkRange(start: [string, string | undefined], end: [string, string | undefined]) {
  const [startName, startTime] = start;
  const [endName, endTime] = end;
  if (
    startTime !== undefined &&
    endTime !== undefined &&
    Date.parse(startTime) >= Date.parse(endTime)
  ) {
    throw new UsageError(`--${endName} must come after --${startName}.`);
  }
}

export function parseAuditList(values: Values): AuditQuery {
  const text = (name: string) => values[name] as string | undefined;
  const from = optionalTime(values, "from");
  const to = optionalTime(values, "to");
  checkRange(["from", from], ["to", to]);

  const limit = text("limit");
  const seq = text("seq");
  return {
    linkId: text("link"),
    versionId: text("version"),
    action: text("action"),
    outcome: text("outcome"),
    seq: seq === undefined ? undefined : parsePositiveInteger("--seq", seq),
    from,
    to,
    cursor: text("cursor"),
    limit: limit === undefined ? undefined : parseLimit(limit),
  };
}

function parseLimit(text: string): number {
  return parsePageLimit(text, AUDIT_PAGE_LIMIT);
}

export function parseAuditExport(values: Values): AuditExportArgs {
  const text = (name: string) => values[name] as string | undefined;
  const out = text("out");
  if (!out) throw new UsageError("audit export needs --out FILE.");
  // main prints the summary (or the --json document) on standard output, so the export itself
  // cannot go there too without the two running into each other.
  if (out === "-") {
    throw new UsageError(
      "--out - (standard output) is not supported: standard output carries the export's " +
        "summary. Write a file (--out audit.ndjson), then gzip it or run " +
        "portcullis audit verify audit.ndjson.",
    );
  }

  const format = text("format") ?? "ndjson";
  if (!FORMATS.some((known) => known === format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}.`);
  }
  const since = optionalTime(values, "since");
  const until = optionalTime(values, "until");
  checkRange(["since", since], ["until", until]);
  return {
    out,
    force: values.force === true,
    query: {
      format: format as (typeof FORMATS)[number],
      since,
      until,
      linkId: text("link"),
      versionId: text("version"),
      action: text("action"),
      outcome: text("outcome"),
    },
  };
}

/**
 * FILE, or `-` for standard input; --from-start needs the gateway's head, so implies --head. It
 * also proves the file complete, which --allow-gaps would undo: the two are refused together.
 */
export function parseAuditVerify(file: string, values: Values): AuditVerifyArgs {
  const fromStart = values["from-start"] === true;
  const allowGaps = values["allow-gaps"] === true;
  if (fromStart && allowGaps) {
    throw new UsageError(
      "--allow-gaps and --from-start cannot be combined: --from-start checks a complete " +
        "export, from the start of the chain on, while --allow-gaps accepts positions missing " +
        "from it.",
    );
  }
  return { file, allowGaps, head: values.head === true || fromStart, fromStart };
}
