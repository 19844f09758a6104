/**
 * The delivery settings from wrangler.toml's `[vars]`, parsed once per environment object: how
 * many attempts an event gets, the first retry delay, and how long one attempt may take.
 */
import { z } from "zod";

/** Retries double from the base and stop growing here (an hour), as the queue allows up to 12 h. */
export const MAX_RETRY_DELAY_SECONDS = 3600;

const positive = z.coerce.number().int().positive();

const webhookConfigSchema = z.object({
  WEBHOOK_MAX_ATTEMPTS: positive.default(8),
  WEBHOOK_RETRY_BASE_SECONDS: positive.default(30),
  WEBHOOK_TIMEOUT_MS: positive.default(10_000),
  ENVIRONMENT: z.string().default("production"),
});

export interface WebhookConfig {
  maxAttempts: number;
  retryBaseSeconds: number;
  timeoutMs: number;
  environment: string;
}

let cached: { source: unknown; config: WebhookConfig } | undefined;

/** Throws on a malformed value: a misconfigured gateway must not guess its retry policy. */
export function webhookConfig(env: Env): WebhookConfig {
  if (cached?.source === env) return cached.config;
  const parsed = webhookConfigSchema.parse(env);
  const config = {
    maxAttempts: parsed.WEBHOOK_MAX_ATTEMPTS,
    retryBaseSeconds: parsed.WEBHOOK_RETRY_BASE_SECONDS,
    timeoutMs: parsed.WEBHOOK_TIMEOUT_MS,
    environment: parsed.ENVIRONMENT,
  };
  cached = { source: env, config };
  return config;
}

/** The delay before attempt `attempts + 1`: the base, doubled after each failure, capped. */
export function retryDelaySeconds(config: WebhookConfig, attempts: number): number {
  const doublings = Math.max(0, attempts - 1);
  // 2 ** 12 already passes any sensible cap; stopping there keeps the number finite.
  return Math.min(MAX_RETRY_DELAY_SECONDS, config.retryBaseSeconds * 2 ** Math.min(doublings, 12));
}
