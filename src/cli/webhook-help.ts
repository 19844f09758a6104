/** The help pages of `portcullis webhooks` and its commands. */

export const WEBHOOK_OVERVIEW_LINES = `  webhooks create --url URL --events TYPES
                            register an endpoint for signed events; the secret is printed once
  webhooks list | get | update | delete | rotate-secret | deliveries | replay
                            manage endpoints, see delivery attempts, send an event again`;

export const WEBHOOK_HELP = {
  webhooks: `Usage: portcullis webhooks <command> [options]

Manages the tenant's webhook endpoints: HTTPS receivers that get audit events POSTed to them,
signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature headers). Every
webhooks command needs a key with the admin scope.

Commands:
  create                    register an endpoint; prints its signing secret once
  list                      list the endpoints
  get WEBHOOK_ID            show an endpoint (never its secret)
  update WEBHOOK_ID         change its URL, event types or description; disable or enable it
  delete WEBHOOK_ID         delete it (its delivery records are kept for the record)
  rotate-secret WEBHOOK_ID  make a new secret; the old one keeps signing for a grace period
  deliveries WEBHOOK_ID     list its delivery attempts, newest first
  replay WEBHOOK_ID         send one event to it again, with the same webhook-id

See portcullis webhooks <command> --help for each command's options.`,

  "webhooks create": `Usage: portcullis webhooks create --url URL --events TYPE[,TYPE...]
                                [--description TEXT]

Registers an endpoint and prints it with its signing secret (whsec_...). The secret is shown
only now: give it to the receiver, which checks each delivery's signature with it.

Options:
  --url URL                 https:// URL, no user name or password, not a private address
  --events TYPES            comma-separated: audit actions (link.revoked), families (alert.*),
                            or * for every event
  --description TEXT        a note for people, at most 200 characters
  --json                    print the endpoint and its secret as JSON`,

  "webhooks list": `Usage: portcullis webhooks list

Lists the tenant's webhook endpoints, newest first: id, state, event types and URL.

Options:
  --json                    print { "webhooks": [...] }`,

  "webhooks get": `Usage: portcullis webhooks get WEBHOOK_ID

Shows an endpoint: URL, event types, state, and when a rotated-out secret stops signing.

Options:
  --json                    print the endpoint as JSON`,

  "webhooks update": `Usage: portcullis webhooks update WEBHOOK_ID [options]

Changes the fields given and keeps the others. A disabled endpoint receives nothing, and
deliveries already queued for it are dropped.

Options:
  --url URL                 a new receiver URL
  --events TYPES            a new comma-separated list of event types
  --description TEXT        a new note; an empty one removes it
  --disable, --enable       stop or resume deliveries
  --json                    print the endpoint as JSON`,

  "webhooks delete": `Usage: portcullis webhooks delete WEBHOOK_ID

Deletes the endpoint: it leaves every listing, its secrets are destroyed, and deliveries still
queued for it are dropped. Its delivery records stay in D1 (webhook_deliveries) for the record,
and the audit keeps the deletion.

Options:
  --json                    print { "id", "deleted" }`,

  "webhooks rotate-secret": `Usage: portcullis webhooks rotate-secret WEBHOOK_ID [--grace DURATION]

Makes a new signing secret and prints it once. The previous secret keeps signing beside it for
the grace period, so deliveries carry two signatures and the receiver can switch secrets
without missing one.

Options:
  --grace DURATION          how long the previous secret keeps signing: e.g. 1h, 24h (the
                            default), 7d at most, or 0 to retire it at once
  --json                    print the endpoint and its new secret as JSON`,

  "webhooks deliveries": `Usage: portcullis webhooks deliveries WEBHOOK_ID [--limit N] [--cursor C]

Lists the endpoint's delivery attempts, newest first: time, event, attempt number, status
(delivered; failed, to be retried; dead_lettered, given up; dropped, the endpoint was
disabled or deleted before the attempt ran), the receiver's HTTP status, latency and error, and
whether it was a replay.

Options:
  --limit N                 1-200 attempts (default 50)
  --cursor C                continue from the cursor an earlier page printed
  --json                    print { "deliveries": [...], "nextCursor": ... }`,

  "webhooks replay": `Usage: portcullis webhooks replay WEBHOOK_ID --event EVENT_ID

Queues one of the tenant's audit events (evt_...) for the endpoint again. It arrives with its
original webhook-id, so a receiver that has it already can tell. The replay is audited.

Options:
  --event EVENT_ID          the event to send again (required)
  --json                    print { "webhookId", "eventId", "replay" }`,
} as const;
