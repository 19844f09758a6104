/** The audit origin of an API or recipient request: its request id, client and actor. */
import type { Context } from "hono";
import type { HonoEnv } from "../env.ts";
import type { EventOrigin } from "./events.ts";

export function auditOrigin(c: Context<HonoEnv>): EventOrigin & { actor: string } {
  return {
    requestId: c.get("requestId"),
    client: c.get("client"),
    actor: c.get("principal").name,
    actorKeyId: c.get("principal").keyId,
  };
}

export function recipientOrigin(c: Context<HonoEnv>): EventOrigin {
  return { requestId: c.get("requestId"), client: c.get("client"), actor: null };
}
