/** Reaching a link's LinkGuard: one Durable Object per link, named by the link id. */
import type { LinkGuard } from "./link-guard.ts";

export function linkGuard(env: Env, linkId: string): DurableObjectStub<LinkGuard> {
  const namespace = env.LINK_GUARD as DurableObjectNamespace<LinkGuard>;
  return namespace.get(namespace.idFromName(linkId));
}
