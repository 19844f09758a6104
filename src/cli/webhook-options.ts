/**
 * `portcullis webhooks …` on the command line: the invocations and their options, checked before
 * anything is sent. Event types are given comma-separated (`--events link.revoked,alert.*`); the
 * gateway says which one it does not know.
 */
import type { CreateWebhookInput, UpdateWebhookInput } from "../client/index.ts";
import { parseDuration, parsePageLimit, UsageError } from "./usage.ts";

/** The most deliveries one page of GET /v1/webhooks/{id}/deliveries holds. */
const DELIVERIES_PAGE_LIMIT = 200;

type Values = Record<string, string | string[] | boolean | undefined>;

export type WebhookInvocation =
  | { command: "webhooks create"; json: boolean; input: CreateWebhookInput }
  | { command: "webhooks list"; json: boolean }
  | { command: "webhooks get" | "webhooks delete"; json: boolean; webhookId: string }
  | { command: "webhooks update"; json: boolean; webhookId: string; input: UpdateWebhookInput }
  | { command: "webhooks rotate-secret"; json: boolean; webhookId: string; graceSeconds?: number }
  | {
      command: "webhooks deliveries";
      json: boolean;
      webhookId: string;
      limit?: number;
      cursor?: string;
    }
  | { command: "webhooks replay"; json: boolean; webhookId: string; eventId: string };

export type WebhookCommand = WebhookInvocation["command"];

export const WEBHOOK_OPTIONS = {
  "webhooks create": {
    url: { type: "string" },
    events: { type: "string" },
    description: { type: "string" },
  },
  "webhooks list": {},
  "webhooks get": {},
  "webhooks update": {
    url: { type: "string" },
    events: { type: "string" },
    description: { type: "string" },
    disable: { type: "boolean" },
    enable: { type: "boolean" },
  },
  "webhooks delete": {},
  "webhooks rotate-secret": { grace: { type: "string" } },
  "webhooks deliveries": { limit: { type: "string" }, cursor: { type: "string" } },
  "webhooks replay": { event: { type: "string" } },
} as const;

function parseEvents(text: string): string[] {
  const types = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (types.length === 0) throw new UsageError("--events needs at least one event type.");
  return types;
}

/** `0` retires the previous secret at once; anything else is a duration like 24h. */
function parseGrace(text: string): number {
  return text.trim() === "0" ? 0 : parseDuration("--grace", text);
}

export function parseWebhookCommand(
  command: WebhookCommand,
  operand: string,
  values: Values,
  json: boolean,
): WebhookInvocation {
  const text = (name: string) => values[name] as string | undefined;
  switch (command) {
    case "webhooks create": {
      const url = text("url");
      const events = text("events");
      if (!url || !events) {
        throw new UsageError("webhooks create needs --url URL and --events TYPE[,TYPE...].");
      }
      const input: CreateWebhookInput = { url, eventTypes: parseEvents(events) };
      if (text("description") !== undefined) input.description = text("description");
      return { command, json, input };
    }
    case "webhooks list":
      return { command, json };
    case "webhooks get":
    case "webhooks delete":
      return { command, json, webhookId: operand };
    case "webhooks update": {
      if (values.disable && values.enable)
        throw new UsageError("Give --disable or --enable, not both.");
      const input: UpdateWebhookInput = {};
      if (text("url") !== undefined) input.url = text("url");
      if (text("events") !== undefined) input.eventTypes = parseEvents(text("events") ?? "");
      if (text("description") !== undefined) input.description = text("description") || null;
      if (values.disable || values.enable) input.disabled = values.disable === true;
      if (Object.keys(input).length === 0) {
        throw new UsageError(
          "webhooks update needs --url, --events, --description, --disable or --enable.",
        );
      }
      return { command, json, webhookId: operand, input };
    }
    case "webhooks rotate-secret": {
      const grace = text("grace");
      const graceSeconds = grace === undefined ? undefined : parseGrace(grace);
      return { command, json, webhookId: operand, graceSeconds };
    }
    case "webhooks deliveries": {
      const limit = text("limit");
      return {
        command,
        json,
        webhookId: operand,
        limit: limit === undefined ? undefined : parsePageLimit(limit, DELIVERIES_PAGE_LIMIT),
        cursor: text("cursor"),
      };
    }
    case "webhooks replay": {
      const eventId = text("event");
      if (!eventId) throw new UsageError("webhooks replay needs --event EVENT_ID.");
      return { command, json, webhookId: operand, eventId };
    }
  }
}
