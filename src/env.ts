/**
 * The Worker's environment, parsed once per isolate by zod, and the typed Hono context.
 * A missing or malformed secret makes the gateway refuse to serve with `misconfigured`.
 */
import { z } from "zod";
import type { Logger } from "./http/logger.ts";
import type { ClientInfo } from "./http/request-context.ts";
import type { Principal } from "./identity/api-keys.ts";

const numberFromString = z.coerce.number().int().positive();

export const settingsSchema = z.object({
  LINK_SIGNING_KEYS: z.string().min(1, "LINK_SIGNING_KEYS is not set"),
  MAX_UPLOAD_BYTES: numberFromString.default(100 * 1024 * 1024),
  PUBLIC_BASE_URL: z.union([z.literal(""), z.url()]).default(""),
  ENVIRONMENT: z.string().default("production"),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Bindings from wrangler.toml plus the secrets that `wrangler types` cannot see. */
export type Bindings = Env & { LINK_SIGNING_KEYS?: string };

export type HonoEnv = {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    logger: Logger;
    client: ClientInfo;
    settings: Settings;
    principal: Principal;
  };
};
