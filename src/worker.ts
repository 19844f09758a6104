/**
 * The Worker entry: HTTP through the Hono app, the queue consumers and the cron triggers. The
 * Durable Object classes are exported from here so wrangler can bind them.
 */
import { createApp } from "./app.ts";
import { consumeQueue } from "./events/consumer.ts";
import { runScheduled } from "./retention/scheduled.ts";

export { AuditLedger } from "./audit/ledger.ts";
export { LinkGuard } from "./links/link-guard.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeQueue,
  scheduled: async (controller, env, ctx) => {
    ctx.waitUntil(runScheduled(controller.cron, env));
  },
} satisfies ExportedHandler<Env, unknown>;
