/**
 * What `portcullis webhooks …` does: one client call each, answered as JSON or as text. The
 * signing secret is printed by `create` and `rotate-secret` only, with a notice that it is
 * shown that once.
 */
import type { PortcullisClient, WebhookDelivery, WebhookEndpoint } from "../client/index.ts";
import { formatFields, formatTable } from "./format.ts";
import type { Outcome } from "./outcome.ts";
import type { WebhookInvocation } from "./webhook-options.ts";

const SECRET_NOTICE =
  "Store this secret now: it is shown only this once. Receivers verify deliveries with it.";

function endpointFields(endpoint: WebhookEndpoint): [string, string][] {
  const fields: [string, string][] = [
    ["id", endpoint.id],
    ["url", endpoint.url],
    ["events", endpoint.eventTypes.join(", ")],
    ["description", endpoint.description ?? ""],
    ["state", endpoint.disabled ? "disabled" : "enabled"],
    ["created", `${endpoint.createdAt} by ${endpoint.createdBy}`],
  ];
  if (endpoint.previousSecretExpiresAt) {
    fields.push(["previous secret", `signs until ${endpoint.previousSecretExpiresAt}`]);
  }
  return fields;
}

function describeDeliveries(deliveries: WebhookDelivery[], nextCursor: string | null): string {
  if (deliveries.length === 0) return "No delivery attempts yet.";
  const rows = deliveries.map((delivery) => [
    delivery.attemptedAt,
    delivery.eventId,
    String(delivery.attempt),
    delivery.replay ? `${delivery.status} (replay)` : delivery.status,
    delivery.responseStatus === null ? "-" : String(delivery.responseStatus),
    delivery.latencyMs === null ? "-" : `${delivery.latencyMs} ms`,
    delivery.error ?? "",
  ]);
  const table = formatTable(
    ["attempted", "event", "attempt", "status", "http", "latency", "error"],
    rows,
  );
  return nextCursor ? `${table}\nMore: --cursor ${nextCursor}` : table;
}

export async function executeWebhookCommand(
  client: PortcullisClient,
  invocation: WebhookInvocation,
): Promise<Outcome> {
  switch (invocation.command) {
    case "webhooks create": {
      const created = await client.webhooks.create(invocation.input);
      const text = formatFields([...endpointFields(created), ["secret", created.secret]]);
      return { json: created, text, notice: SECRET_NOTICE };
    }
    case "webhooks list": {
      const webhooks = await client.webhooks.list();
      const rows = webhooks.map((endpoint) => [
        endpoint.id,
        endpoint.disabled ? "disabled" : "enabled",
        endpoint.eventTypes.join(","),
        endpoint.url,
      ]);
      const text =
        webhooks.length === 0
          ? "No webhook endpoints."
          : formatTable(["id", "state", "events", "url"], rows);
      return { json: { webhooks }, text };
    }
    case "webhooks get": {
      const endpoint = await client.webhooks.get(invocation.webhookId);
      return { json: endpoint, text: formatFields(endpointFields(endpoint)) };
    }
    case "webhooks update": {
      const endpoint = await client.webhooks.update(invocation.webhookId, invocation.input);
      return {
        json: endpoint,
        text: `Updated ${endpoint.id}.\n${formatFields(endpointFields(endpoint))}`,
      };
    }
    case "webhooks delete": {
      await client.webhooks.delete(invocation.webhookId);
      return {
        json: { id: invocation.webhookId, deleted: true },
        text: `Deleted ${invocation.webhookId}; deliveries still queued for it are dropped.`,
      };
    }
    case "webhooks rotate-secret": {
      const rotated = await client.webhooks.rotateSecret(
        invocation.webhookId,
        invocation.graceSeconds,
      );
      const text = formatFields([...endpointFields(rotated), ["secret", rotated.secret]]);
      return {
        json: rotated,
        text: `Rotated the secret of ${rotated.id}.\n${text}`,
        notice: SECRET_NOTICE,
      };
    }
    case "webhooks deliveries": {
      const page = await client.webhooks.deliveries(invocation.webhookId, {
        limit: invocation.limit,
        cursor: invocation.cursor,
      });
      return { json: page, text: describeDeliveries(page.deliveries, page.nextCursor) };
    }
    case "webhooks replay": {
      const replay = await client.webhooks.replay(invocation.webhookId, invocation.eventId);
      return {
        json: replay,
        text: `Queued ${replay.eventId} for ${replay.webhookId} again, under its original id.`,
      };
    }
  }
}
