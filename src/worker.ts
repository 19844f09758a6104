/**
 * The Worker entry: HTTP through the Hono app, the events queue consumer and the retention cron.
 * The LinkGuard Durable Object class is exported from here so wrangler can bind it.
 */
import { createApp } from "./app.ts";
import { consumeEvents } from "./events/consumer.ts";
import { runRetentionSweep } from "./retention/sweep.ts";

export { LinkGuard } from "./links/link-guard.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeEvents,
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(runRetentionSweep(env));
  },
} satisfies ExportedHandler<Env, unknown>;
