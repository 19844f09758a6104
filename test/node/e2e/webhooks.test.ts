/**
 * Webhooks end to end against a real gateway (`wrangler dev`, see support/gateway.ts), booted
 * with a 1-second retry base and 3 attempts. Real Node HTTP receivers verify every delivery with
 * the client's `verifyWebhook`. Publishing, issuing and downloading produce several events; each
 * must arrive once per webhook-id with a valid signature. A receiver that keeps failing is retried
 * after growing delays (miniflare's local queue honours `retry({ delaySeconds })`) and then
 * dead-lettered; a replay arrives with the original webhook-id.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PortcullisClient, verifyWebhook, type WebhookEvent } from "../../../src/client/index.ts";
import { portcullisJson, TEST_TIMEOUT_MS, useGateway } from "../support/gateway.ts";

const gateway = useGateway({
  vars: { WEBHOOK_RETRY_BASE_SECONDS: "1", WEBHOOK_MAX_ATTEMPTS: "3", WEBHOOK_TIMEOUT_MS: "5000" },
});

interface Delivery {
  id: string;
  at: number;
  body: string;
  event: WebhookEvent | null;
  signatures: number;
}

/** A receiver on 127.0.0.1 that verifies with `secret()` and answers `status`. */
function startReceiver(status: number, secret: () => string) {
  const deliveries: Delivery[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let event: WebhookEvent | null = null;
      try {
        event = verifyWebhook(body, request.headers, secret());
      } catch {
        event = null;
      }
      deliveries.push({
        id: String(request.headers["webhook-id"]),
        at: Date.now(),
        body,
        event,
        signatures: String(request.headers["webhook-signature"]).split(" ").length,
      });
      response.statusCode = status;
      response.end(status < 300 ? "ok" : "unavailable");
    });
  });
  return { server, deliveries };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    });
  });
}

async function waitFor<T>(
  what: string | (() => string),
  check: () => T | undefined,
  ms = 30_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    }
    await sleep(100);
  }
}

let goodSecret = "";
let failingSecret = "";
const good = startReceiver(200, () => goodSecret);
const failing = startReceiver(503, () => failingSecret);
let goodUrl = "";
let failingUrl = "";

beforeAll(async () => {
  goodUrl = await listen(good.server);
  failingUrl = await listen(failing.server);
});
afterAll(() => {
  good.server.close();
  failing.server.close();
});

function client() {
  return new PortcullisClient({ baseUrl: gateway.url, apiKey: gateway.apiKey });
}

describe("webhooks against a real gateway", () => {
  let goodId = "";
  let failingId = "";
  let publishedEventId = "";

  it(
    "delivers publish, issue and download events once each, every one signed validly",
    async () => {
      const portcullis = client();
      const goodEndpoint = await portcullis.webhooks.create({ url: goodUrl, eventTypes: ["*"] });
      goodSecret = goodEndpoint.secret;
      goodId = goodEndpoint.id;

      const body = new TextEncoder().encode("encounter_id,readmitted\n1,0\n2,1\n");
      const version = await portcullis.publish({
        name: "webhook-e2e",
        class: "internal",
        body,
        size: body.byteLength,
        contentType: "text/csv",
      });
      const link = await portcullis.issueLink({ versionId: version.versionId, maxUses: 1 });
      const confirmed = await fetch(link.url, {
        method: "POST",
        headers: { Accept: "application/json" },
        redirect: "manual",
      });
      expect(confirmed.status).toBe(303);
      const session = new URL(confirmed.headers.get("Location") ?? "", link.url);
      expect(await (await fetch(session)).text()).toContain("encounter_id");

      const wanted = ["version.published", "link.issued", "download.completed"];
      await waitFor("the three events", () => {
        const types = good.deliveries.map((delivery) => delivery.event?.type);
        return wanted.every((type) => types.includes(type)) ? true : undefined;
      });
      // Time for a duplicate to show up, if the pipeline were to send one.
      await sleep(3000);

      expect(good.deliveries.every((delivery) => delivery.event !== null)).toBe(true);
      const ids = good.deliveries.map((delivery) => delivery.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const delivery of good.deliveries) {
        expect(delivery.event?.data.id).toBe(delivery.id);
        expect(delivery.event?.data.tenantId).toBe(gateway.tenantId);
      }
      const published = good.deliveries.find((d) => d.event?.type === "version.published");
      expect(published?.event?.data.versionId).toBe(version.versionId);
      publishedEventId = published?.id ?? "";
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "retries a failing receiver after growing delays, then dead-letters it",
    async () => {
      const portcullis = client();
      const endpoint = await portcullis.webhooks.create({
        url: failingUrl,
        eventTypes: ["version.published"],
      });
      failingSecret = endpoint.secret;
      failingId = endpoint.id;
      const body = new TextEncoder().encode("a,b\n1,2\n");
      await portcullis.publish({ name: "webhook-e2e-2", class: "internal", body, size: 8 });

      // Each attempt passes through the ledger and two queues: generous bounds keep a loaded
      // machine (the whole suite at once) from failing a test whose point is the order of things.
      const attempts = await waitFor(
        () => `three attempts (${failing.deliveries.length} arrived)`,
        () => (failing.deliveries.length >= 3 ? failing.deliveries.slice(0, 3) : undefined),
        90_000,
      );
      expect(new Set(attempts.map((attempt) => attempt.id)).size).toBe(1);
      expect(attempts.every((attempt) => attempt.event !== null)).toBe(true);
      const [first, second, third] = attempts.map((attempt) => attempt.at);
      const gaps = [(second ?? 0) - (first ?? 0), (third ?? 0) - (second ?? 0)];
      // Retry delays of 1 s, then 2 s; the queue adds its batching time on top.
      expect(gaps[0]).toBeGreaterThanOrEqual(900);
      expect(gaps[1]).toBeGreaterThanOrEqual(1800);
      expect(gaps[1]).toBeGreaterThan(gaps[0] ?? 0);

      const deliveries = await waitForDeadLetter(failingId);
      expect(deliveries.map((row) => [row.attempt, row.status, row.responseStatus])).toEqual([
        [3, "dead_lettered", 503],
        [2, "failed", 503],
        [1, "failed", 503],
      ]);
      await sleep(2500);
      expect(failing.deliveries).toHaveLength(3);
    },
    // Room for both waits above.
    3 * TEST_TIMEOUT_MS,
  );

  it(
    "replays an event with its original webhook-id, recorded as a replay",
    async () => {
      expect(publishedEventId).not.toBe("");
      const before = good.deliveries.length;
      const answer = await portcullisJson(gateway, [
        "webhooks",
        "replay",
        goodId,
        "--event",
        publishedEventId,
      ]);
      expect(answer).toEqual({ webhookId: goodId, eventId: publishedEventId, replay: true });

      const replayed = await waitFor("the replay", () =>
        good.deliveries.slice(before).find((delivery) => delivery.id === publishedEventId),
      );
      expect(replayed.event?.type).toBe("version.published");
      const original = good.deliveries.find((delivery) => delivery.id === publishedEventId);
      expect(replayed.body).toBe(original?.body);

      const page = await client().webhooks.deliveries(goodId, { limit: 200 });
      const rows = page.deliveries.filter((row) => row.eventId === publishedEventId);
      expect(rows.map((row) => row.replay).sort()).toEqual([false, true]);
    },
    TEST_TIMEOUT_MS,
  );
});

async function waitForDeadLetter(webhookId: string) {
  const until = Date.now() + 40_000;
  for (;;) {
    const page = await portcullisJson<{
      deliveries: { attempt: number; status: string; responseStatus: number | null }[];
    }>(gateway, ["webhooks", "deliveries", webhookId]);
    if (page.deliveries.some((row) => row.status === "dead_lettered")) return page.deliveries;
    if (Date.now() > until) throw new Error(`no dead-letter record: ${JSON.stringify(page)}`);
    await sleep(250);
  }
}
