/** The help pages of `portcullis audit` and its commands. */

export const AUDIT_OVERVIEW_LINES = `  audit [list]              query the audit log, newest first
  audit head                show the head of the tenant's audit hash chain
  audit export --out FILE   export the audit chain to FILE (NDJSON or CSV), with progress
  audit verify FILE         check an NDJSON export against its hash chain, offline`;

export const AUDIT_HELP = {
  audit: `Usage: portcullis audit <list|head|export|verify> [options]

The tenant's audit log. Every event is sealed into a hash chain: each holds its position, the
hash of the event before it and its own hash, so an edited, removed or reordered event shows.

Commands:
  list [filters]            events, newest first (also plain: portcullis audit [filters])
  head                      the chain's current head: position, hash, and events still waiting
  export --out FILE         a stretch of the chain, oldest first, written to FILE
  verify FILE               check an NDJSON export against its hashes

See portcullis audit <command> --help for each command's options.`,

  "audit list": `Usage: portcullis audit list [filters]
       portcullis audit [filters]

Shows audit events, newest first: time, action, outcome, reason, link and bytes served.

Options:
  --link ID                 only events of this link
  --version ID              only events of this version
  --action A                e.g. link.issued, download.completed, download.denied
  --outcome O               allowed, denied, succeeded or failed
  --seq N                   only the event at position N of the chain, e.g. the one audit
                            verify names
  --from TIME, --to TIME    bounds (from inclusive, to exclusive): an ISO 8601 date-time
                            with its zone (Z or +hh:mm), or a date meaning its 00:00 UTC;
                            digits finer than a millisecond round up to the next one
  --limit N                 1-500 events (default 50)
  --cursor C                continue from the cursor an earlier page printed
  --json                    print { "events": [...], "nextCursor": ... }`,

  "audit head": `Usage: portcullis audit head

Shows the head of the tenant's audit chain (after sealing events still waiting): the last
event's position (seq) and hash, and when it was sealed. Keep heads you fetch: a later export
that does not reach the same hash at the same position was rewritten.

Options:
  --json                    print { "head", "anchor", "waiting" }`,

  "audit export": `Usage: portcullis audit export --out FILE [--since TIME] [--until TIME]
                              [--format ndjson|csv] [--force] [filters]

Streams the audit chain, oldest first, into FILE (through FILE.partial, renamed when complete),
showing progress on a terminal. The range is by sealing time, which follows the chain's order.
NDJSON lines are the events exactly as sealed, for audit verify; CSV is for spreadsheets.
An existing FILE is kept evidence: the export refuses it (exit 2) unless --force is given.
FILE must be a file in a directory that exists; a directory, link, device or pipe is refused
(exit 2) before anything is fetched. Standard output (--out -) is refused too, as it carries
the summary (or the --json document): write a file, then gzip it or run audit verify on it.

Options:
  --out FILE                where to write the export (required)
  --force                   replace FILE if it exists (a regular file only)
  --format F                ndjson (default) or csv
  --since TIME              first sealing time included: an ISO 8601 date-time with its zone
                            (Z or +hh:mm), or a date meaning its 00:00 UTC; digits finer
                            than a millisecond round up to the next one
  --until TIME              sealing time the export stops before (same forms and rounding)
  --link ID, --version ID, --action A, --outcome O
                            only matching events; the export then has gaps, and verifying it
                            needs --allow-gaps
  --json                    print { "file", "events", "bytes", "chain", "first", "last" }:
                            first and last are the positions the range covers (null if none)`,

  "audit verify": `Usage: portcullis audit verify FILE [--allow-gaps] [--head] [--from-start]

Checks an NDJSON export offline, reading it once (FILE may be a pipe; - reads standard input):
every line must be an event exactly as exported (fields, their order and spacing), belong to
the tenant of the first, match its hash and follow the event before it. Line ends LF, CRLF or
CR, blank lines and a byte order mark at the start are accepted: they leave the events as
exported. Prints one line when the stretch is intact (an empty file is intact: nothing to
check); otherwise exits with status 3, naming the first event that was altered, removed,
duplicated, reordered or of another tenant, and its line; a line that is not an event (or is
longer than 1 MiB) names the last good event before it. A file whose first line is not a JSON
object (CSV, gzip: not NDJSON) exits 2; one cut short inside its first event exits 3.

Offline, a file rewritten consistently from some point on (every later hash recomputed), or cut
short at either end, cannot be told from the real chain: use --head, and keep heads you fetch.

Options:
  --allow-gaps              for filtered exports: check each event and the links between
                            consecutive positions only; the summary counts the positions
                            missing and lists the first few. Not with --from-start
  --head                    also compare the file's first and last events with the gateway's
                            events at those positions (needs credentials): another tenant's
                            file, or a rewritten one, fails. Notes say how many of the
                            gateway's events lie before or after the file (not a failure:
                            exports made with --since start mid-chain)
  --from-start              fail (exit 3) unless the file begins where the gateway's chain
                            does: seq 1, or the first position kept after retention pruning;
                            catches an export cut short at its start. Implies --head
  --json                    print { "intact", "events", "firstSeq", "firstHash", "lastSeq",
                            "lastHash", "missing": { "count", "ranges" }, "gateway" }; with
                            --head, gateway is { "headSeq", "startSeq", "eventsHeld",
                            "compared", "matches", "eventsBefore", "eventsAfter" }. A broken
                            chain (exit 3) prints { "intact": false, "problem": { "kind",
                            "line", "seq", "eventId", "message" } } too`,
} as const;
