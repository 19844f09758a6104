/** The CLI's help: an overview, and one page per command. */
import type { HelpTopic } from "./args.ts";

const OVERVIEW = `portcullis: publish files to a Portcullis gateway; hand out narrow, audited links.

Usage: portcullis <command> [options]

Commands:
  publish FILE --name NAME  publish FILE as a new immutable version of object NAME
  link VERSION_ID           issue a download link to a version
  approve LINK_ID           approve a link waiting for approval (not your own)
  reject LINK_ID            reject a link waiting for approval (not your own)
  revoke LINK_ID            revoke a link at once
  status LINK_ID            show a link's state: uses, expiry, revocation
  versions NAME             list an object's versions, newest first
  audit                     query the audit log, newest first
  keys create --name NAME   create an API key with --scopes; the key is printed once
  keys list                 list the tenant's API keys
  keys revoke KEY_ID        revoke an API key at once
  policy show               show the policy of every sensitivity class
  policy set CLASS          change a class's policy: lifetimes, uses, approval, retention, …
  policy reset CLASS        return a class to the built-in policy

Every command takes:
  --json                    print exactly one JSON document on stdout, for scripts
  -h, --help                show the command's help (also: portcullis help <command>)

Credentials: PORTCULLIS_URL and PORTCULLIS_API_KEY; whatever they leave unset is read from the
nearest .portcullis/dev.json at or above the current directory, which \`npm start\` writes.

Exit status: 0 done; 1 the API refused or could not be reached; 2 a usage or local error.
Errors are one line on stderr: error <code>: <reason>.`;

const COMMANDS: Record<HelpTopic, string> = {
  publish: `Usage: portcullis publish FILE --name NAME [options]

Streams FILE to the gateway as a new immutable version of object NAME and prints its
versionId, sha256 and size (with --json, the whole version).

Options:
  --name NAME               object name: letters, digits, '.', '_', '-' (required)
  --class CLASS             public, internal, restricted or patient-linked; required for a new
                            object, and must match an existing one
  --filename F              file name recipients see (default: FILE's own name)
  --content-type T          media type (default: guessed from FILE's extension)
  --model-version V         model version that produced the file
  --training-window W       training window, e.g. 2023-01-01/2023-12-31
  --recipient-group G       intended recipient group
  --meta KEY=VALUE          a free label; repeat for several
  --json                    print the version as JSON`,

  link: `Usage: portcullis link VERSION_ID [--ttl DURATION] [--uses N] [recipient] [constraints]

Issues a download link and prints its id, url and expiry. The url is the only copy of the link's
token: hand it to the recipient, and revoke the link if it goes astray. When the class needs
approval, the link waits until someone other than you approves it (portcullis approve).

Options:
  --ttl DURATION            how long the link lasts: 90s, 30m, 2h, 7d or seconds
                            (default and maximum: set by the version's class)
  --uses N                  downloads allowed (default: set by the class)
  --json                    print the link as JSON

Recipient (a class may require one):
  --to EMAIL                bind the link to one recipient's e-mail address
  --subject ID              bind the link to one subject known to your tenant
  --group NAME              bind the link to the members of a group

Constraints, checked at every download:
  --ip CIDR                 only from this address range, e.g. 10.20.0.0/16; repeat for several
  --country CC              only from this country (ISO 3166-1, e.g. US); repeat for several
  --hours "DAYS FROM-TO ZONE"
                            only on these days between these times in this time zone, e.g.
                            "mon-fri 08:00-18:00 America/New_York" or "sat,sun 09:00-12:00 UTC"`,

  approve: `Usage: portcullis approve LINK_ID [--note TEXT]

Approves a link waiting for approval, so it can be downloaded. Needs a key with the approve
scope, and someone other than the link's issuer: nobody approves their own link.

Options:
  --note TEXT               why, recorded in the audit log
  --json                    print the approved link as JSON`,

  reject: `Usage: portcullis reject LINK_ID [--note TEXT]

Rejects a link waiting for approval; it can never be downloaded or approved afterwards. Needs a
key with the approve scope, and someone other than the link's issuer.

Options:
  --note TEXT               why, recorded in the audit log
  --json                    print the rejected link as JSON`,

  revoke: `Usage: portcullis revoke LINK_ID [--reason TEXT]

Revokes a link at once; downloads in progress on it end too.

Options:
  --reason TEXT             why, recorded in the audit log
  --json                    print the revoked link as JSON`,

  status: `Usage: portcullis status LINK_ID

Shows a link's live state: status, uses spent and left, expiry, revocation.

Options:
  --json                    print the link as JSON`,

  versions: `Usage: portcullis versions NAME

Lists the versions of object NAME, newest first.

Options:
  --json                    print { "versions": [...] }`,

  audit: `Usage: portcullis audit [filters]

Shows audit events, newest first: time, action, outcome, reason, link and bytes served.

Options:
  --link ID                 only events of this link
  --version ID              only events of this version
  --action A                e.g. link.issued, download.completed, download.denied
  --outcome O               allowed, denied, succeeded or failed
  --from TIME, --to TIME    ISO 8601 bounds (from inclusive, to exclusive)
  --limit N                 1-500 events (default 50)
  --cursor C                continue from the cursor an earlier page printed
  --json                    print { "events": [...], "nextCursor": ... }`,

  keys: `Usage: portcullis keys <create|list|revoke> [options]

Manages the tenant's API keys; every keys command needs a key with the admin scope.

Commands:
  create --name NAME --scopes LIST
                            create a key; it is printed once, so store it at once
  list                      list the keys, revoked ones included (never the keys themselves)
  revoke KEY_ID             revoke a key at once; it may be the key you are using

See portcullis keys <command> --help for each command's options.`,

  "keys create": `Usage: portcullis keys create --name NAME --scopes SCOPE[,SCOPE...]

Creates an API key for a person or service and prints it. The key is shown this once and
cannot be recovered: store it at once (a secret manager, not a chat message).

Options:
  --name NAME               who the key is for, 1-100 characters; the audit names it as actor
  --scopes LIST             comma-separated, each once: publish, issue, revoke, approve,
                            audit:read, admin
  --json                    print the key as JSON, the key itself included`,

  "keys list": `Usage: portcullis keys list

Lists the tenant's API keys, revoked ones included, newest first: id, name, scopes, when and
by whom each was created, and when it was revoked. The keys themselves are never shown.

Options:
  --json                    print { "keys": [...] }`,

  "keys revoke": `Usage: portcullis keys revoke KEY_ID

Revokes an API key at once: its next request is refused. You may revoke the key you are
using; every later command with it then fails with unauthenticated.

Options:
  --json                    print the revoked key as JSON`,

  policy: `Usage: portcullis policy <show|set|reset> [options]

Reads and changes what each sensitivity class (public, internal, restricted, patient-linked)
imposes on links: lifetimes, uses, recipient identity, approval, constraints and retention.
set and reset need a key with the admin scope.

A change applies to links issued after it. Links issued before keep the terms they were issued
with, whether the change tightens or loosens; to end them, revoke them.

Commands:
  show                      show every class's policy and whether it is yours or built-in
  set CLASS                 change some fields of a class's policy, or replace it from a file
  reset CLASS               return a class to the built-in policy

See portcullis policy <command> --help for each command's options.`,

  "policy show": `Usage: portcullis policy show

Shows the effective policy of every class, each marked "tenant" when your tenant set it and
"built-in" otherwise. Durations are shown as 30m, 4h, 7d.

Options:
  --json                    print { "classes": {...}, "sources": {...} } exactly as the API has it`,

  "policy set": `Usage: portcullis policy set CLASS [--file FILE] [field options]

Changes the policy of CLASS (public, internal, restricted or patient-linked). It starts from the
class's current policy, or from FILE when given, and changes only the fields whose options are
given. Links issued before the change keep their terms.

Options:
  --file FILE               a JSON file with a whole class policy, e.g. one class of
                            portcullis policy show --json
  --default-ttl DURATION    lifetime of a link that asks for none: 30m, 4h, 7d or seconds
  --max-ttl DURATION        longest lifetime a link may ask for
  --default-uses N          uses of a link that asks for none
  --max-uses N              most uses a link may ask for
  --session-grace DURATION  how long a confirmed download may resume without another use
  --retries N               re-confirmations after a download lapsed incomplete (0-5)
  --identity-required yes|no
                            links must name their recipient (--to, --subject or --group)
  --approval-required yes|no
                            links wait for a second person's approval
  --approval-ttl DURATION   how long a link may wait for approval
  --required-constraints LIST
                            constraints every link must carry: ipRanges, countries, hours
                            (comma-separated), or none
  --retention DURATION|forever
                            how long published files are kept (applies to later publishes)
  --summary TEXT            the sentence or two recipients see on the landing page
  --json                    print the new effective policy of every class as JSON`,

  "policy reset": `Usage: portcullis policy reset CLASS

Returns CLASS to the built-in policy (see docs/policy.md for its values). Links issued before
keep their terms.

Options:
  --json                    print the new effective policy of every class as JSON`,
};

export function helpText(topic: HelpTopic | null): string {
  return topic === null ? OVERVIEW : COMMANDS[topic];
}
