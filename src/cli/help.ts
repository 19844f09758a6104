/** The CLI's help: an overview, and one page per command. */
import type { HelpTopic } from "./args.ts";

const OVERVIEW = `portcullis: publish files to a Portcullis gateway; hand out narrow, audited links.

Usage: portcullis <command> [options]

Commands:
  publish FILE --name NAME  publish FILE as a new immutable version of object NAME
  link VERSION_ID           issue a download link to a version
  revoke LINK_ID            revoke a link at once
  status LINK_ID            show a link's state: uses, expiry, revocation
  versions NAME             list an object's versions, newest first
  audit                     query the audit log, newest first
  keys create --name NAME   create an API key with --scopes; the key is printed once
  keys list                 list the tenant's API keys
  keys revoke KEY_ID        revoke an API key at once

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

  link: `Usage: portcullis link VERSION_ID [--ttl DURATION] [--uses N] [--to EMAIL]

Issues a download link and prints its id, url and expiry. The url is the only copy of the link's
token: hand it to the recipient, and revoke the link if it goes astray.

Options:
  --ttl DURATION            how long the link lasts: 90s, 30m, 2h, 7d or seconds
                            (default and maximum: set by the version's class)
  --uses N                  downloads allowed (default: set by the class)
  --to EMAIL                bind the link to one recipient
  --json                    print the link as JSON`,

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
};

export function helpText(topic: HelpTopic | null): string {
  return topic === null ? OVERVIEW : COMMANDS[topic];
}
