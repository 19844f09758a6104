/** The CLI's help: an overview, and one page per command. */
import type { HelpTopic } from "./args.ts";
import { AUDIT_HELP, AUDIT_OVERVIEW_LINES } from "./audit-help.ts";
import { WEBHOOK_HELP, WEBHOOK_OVERVIEW_LINES } from "./webhook-help.ts";

const OVERVIEW = `portcullis: publish files to a Portcullis gateway; hand out narrow, audited links.

Usage: portcullis <command> [options]

Commands:
  publish FILE --name NAME  publish FILE as a new immutable version of object NAME
  bundle VERSION_ID... --name NAME
                            group versions into a bundle, delivered as one ZIP
  link ID                   issue a download link to a version (ver_...) or a bundle (bdl_...)
  approve LINK_ID           approve a link waiting for approval (not your own)
  reject LINK_ID            reject a link waiting for approval (not your own)
  revoke LINK_ID            revoke a link at once
  revoke --version ID | --object NAME | --subject ID | --everything
                            revoke every link of a version, object or subject, or all of them
  status LINK_ID            show a link's state: uses, expiry, revocation
  versions NAME             list an object's versions, newest first
${AUDIT_OVERVIEW_LINES}
  keys create --name NAME   create an API key with --scopes; the key is printed once
  keys list                 list the tenant's API keys
  keys revoke KEY_ID        revoke an API key at once
  policy show               show the policy of every sensitivity class
  policy set CLASS          change a class's policy: lifetimes, uses, approval, retention, …
  policy reset CLASS        return a class to the built-in policy
  policy settings           alert thresholds and audit retention (--audit-retention-days, …)
  subjects put SUBJECT_ID   create or replace a recipient known to your tenant, with its roles
  subjects show SUBJECT_ID  show a subject
  subjects list             list the subjects, by role or state
  subjects deactivate SUBJECT_ID
                            deactivate a subject, revoking every link bound to it
${WEBHOOK_OVERVIEW_LINES}

Without a command:
  -V, --version             print the CLI's version

Every command takes:
  --json                    on success, print exactly one JSON document on stdout, for scripts
  -h, --help                show the command's help (also: portcullis help <command>)

An option that takes a value is given once, unless its help says to repeat it. A value that
starts with '-' is written --option=VALUE (--note=-x); a negative number may follow as usual.

Credentials: PORTCULLIS_URL and PORTCULLIS_API_KEY; whatever they leave unset is read from the
nearest .portcullis/dev.json at or above the current directory, which \`npm start\` writes.

Exit status: 0 done; 1 the API refused or could not be reached; 2 a usage or local error;
3 audit verify found the chain broken.
Errors are one line on stderr, with --json too: error <code>: <reason>; stdout stays empty,
except that audit verify --json also prints { intact: false, problem } for a broken chain.`;

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

  bundle: `Usage: portcullis bundle VERSION_ID... --name NAME
       portcullis bundle BUNDLE_ID

Groups versions into a bundle that one link delivers as one ZIP, NAME.zip, and prints its
bundleId, class, size and members. The ZIP holds MANIFEST.sha256 first, then the versions in
the order given, so after unzipping, sha256sum -c MANIFEST.sha256 checks every file. The
bundle's class is the most sensitive of its members' classes, and its links follow that class's
policy. Link it with portcullis link BUNDLE_ID. Given one BUNDLE_ID, shows that bundle.

Options:
  --name NAME               the ZIP's name: 1-128 characters, no '/' or '\\' (required)
  --json                    print the bundle as JSON, its manifest included`,

  link: `Usage: portcullis link ID [--ttl DURATION] [--uses N] [recipient] [constraints]

Issues a download link to a version (ID ver_...) or a bundle (ID bdl_..., delivered as one ZIP)
and prints its id, url and expiry. The url is the only copy of the link's token: hand it to the
recipient, and revoke the link if it goes astray. When the class needs approval, the link waits
until someone other than you approves it (portcullis approve).

Options:
  --ttl DURATION            how long the link lasts: 90s, 30m, 2h, 7d or seconds
                            (default and maximum: set by the class)
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
       portcullis revoke --version VERSION_ID | --object NAME | --subject SUBJECT_ID [--note TEXT]
       portcullis revoke --everything [--yes] [--note TEXT]

Revokes links at once; downloads in progress on them end too. Give one LINK_ID, or one selector
to revoke every live link it picks and print how many were revoked (linksRevoked) and how many
were revoked, expired or used up already (alreadyInactive). Repeating it revokes nothing more.

Options:
  --reason TEXT             with LINK_ID: why, recorded in the audit log
  --version VERSION_ID      every link to the version, and to bundles that hold it
  --object NAME             every link to any version of object NAME, bundles included
  --subject SUBJECT_ID      every link bound to the subject
  --everything              every link of your tenant; needs a key with the revoke and admin
                            scopes, and asks you to type "revoke all links" first
  --yes                     with --everything: do not ask (needed when stdin is not a terminal)
  --note TEXT               with a selector: why, kept in each revoked link's audit
  --json                    print the revoked link, or { "linksRevoked", "alreadyInactive" }`,

  status: `Usage: portcullis status LINK_ID

Shows a link's live state: status, uses spent and left, expiry, revocation.

Options:
  --json                    print the link as JSON`,

  versions: `Usage: portcullis versions NAME

Lists the versions of object NAME, newest first.

Options:
  --json                    print { "versions": [...] }`,

  ...AUDIT_HELP,

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
  --name NAME               who the key is for; the audit names it as actor: 1-100 letters and
                            digits of any script, spaces, '.', '_', '@', '+' or '-'
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
using; every later command with it then fails with unauthenticated. The tenant's last active key
with the admin scope cannot be revoked (last_admin_key): create another admin key first.

Options:
  --json                    print the revoked key as JSON`,

  policy: `Usage: portcullis policy <show|set|reset|settings> [options]

Reads and changes what each sensitivity class (public, internal, restricted, patient-linked)
imposes on links: lifetimes, uses, recipient identity, approval, constraints and retention.
set and reset need a key with the admin scope.

A change applies to links issued after it. Links issued before keep the terms they were issued
with, whether the change tightens or loosens; to end them, revoke them.

Commands:
  show                      show every class's policy and whether it is yours or built-in
  set CLASS                 change some fields of a class's policy, or replace it from a file
  reset CLASS               return a class to the built-in policy
  settings                  change alert thresholds, switch alert rules, set audit retention

See portcullis policy <command> --help for each command's options.`,

  "policy show": `Usage: portcullis policy show

Shows the effective policy of every class, each marked "tenant" when your tenant set it and
"built-in" otherwise. Durations are shown as 30m, 4h, 7d.

Options:
  --json                    print { "classes", "sources", "settings" } exactly as the API has it`,

  "policy settings": `Usage: portcullis policy settings [--file FILE | setting options]

Changes your tenant's settings: the thresholds of the alert rules, which rules are on, and how
long audit events are kept. Options change the current settings and keep the rest; --file
replaces them whole, fields it leaves out taking their defaults. Needs the admin scope.

Options:
  --file FILE                   a JSON file with whole settings, e.g. the "settings" of
                                portcullis policy show --json (class hours are set this way)
  --audit-retention-days N      days audit events are kept (365 or more)
  --denials-per-link N          denied downloads of one link that raise an alert
  --denials-per-address N       denied downloads from one address, any link, that alert
  --denials-window DURATION     the window both count in: 15m, 1h or seconds
  --location-look-back DURATION how far back a link's downloads count as its history
  --alerts-on RULES             switch rules on: repeatedDenials, unusualLocation,
                                outsideHours, secondAddress (comma-separated)
  --alerts-off RULES            switch rules off
  --json                        print the new settings as JSON`,

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

  subjects: `Usage: portcullis subjects <put|show|list|deactivate> [options]

Manages your tenant's subjects: recipients known from your identity provider, with the roles
(groups) links can be bound to. Every subjects command needs a key with the admin scope.

A change that takes something from a subject revokes the links it invalidates before it answers,
and prints how many (linksRevoked): deactivating revokes every link bound to the subject, and
dropping a role revokes the links bound to the subject through that role.

Commands:
  put SUBJECT_ID --role ROLE
                            create or replace a subject, whole
  show SUBJECT_ID           show a subject
  list                      list subjects, optionally by role or state
  deactivate SUBJECT_ID     deactivate a subject and revoke the links bound to it

See portcullis subjects <command> --help for each command's options.`,

  "subjects put": `Usage: portcullis subjects put SUBJECT_ID --role ROLE... [--attr KEY=VALUE]...
                             [--email EMAIL] [--name NAME]

Creates or replaces the subject SUBJECT_ID (the identity provider's id, e.g. okta|00u1abc) and
makes it active. It replaces the whole subject: what is left out is cleared. Links bound to the
subject through a role it no longer has are revoked, and their count printed.

Options:
  --role ROLE               a group the subject belongs to; repeat for several (required)
  --no-roles                instead of --role: the subject belongs to no group
  --attr KEY=VALUE          an attribute, e.g. facility=st-anne; repeat for several
  --email EMAIL             the subject's e-mail address
  --name NAME               the subject's display name
  --json                    print { "subject", "linksRevoked", "created" }`,

  "subjects show": `Usage: portcullis subjects show SUBJECT_ID

Shows a subject: names, roles, attributes, and whether it is active.

Options:
  --json                    print the subject as JSON`,

  "subjects list": `Usage: portcullis subjects list [--role ROLE] [--active | --inactive]

Lists subjects in id order: id, name, e-mail, roles and whether each is active.

Options:
  --role ROLE               only subjects holding this role
  --active, --inactive      only active, or only deactivated, subjects
  --limit N                 1-200 subjects (default 50)
  --cursor C                continue from the cursor an earlier page printed
  --json                    print { "subjects": [...], "nextCursor": ... }`,

  "subjects deactivate": `Usage: portcullis subjects deactivate SUBJECT_ID

Deactivates a subject and revokes every live link bound to it, printing how many. The subject is
kept, inactive, so the audit can still name it; subjects put makes it active again, but links
revoked meanwhile stay revoked.

Options:
  --json                    print { "subject", "linksRevoked" }`,
  ...WEBHOOK_HELP,
};

export function helpText(topic: HelpTopic | null): string {
  return topic === null ? OVERVIEW : COMMANDS[topic];
}
