/**
 * The shared security matrix every /v1 route must pass: no credentials, a malformed key, a
 * tampered secret, a revoked key, a key without the route's scope, and another tenant's key
 * (which must get exactly the answer a missing resource gets).
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { apiKeys } from "../../src/db/schema.ts";
import type { Scope } from "../../src/identity/api-keys.ts";
import { addKey, call, seedTenant, type TestTenant } from "./harness.ts";

export interface RouteUnderTest {
  name: string;
  scope: Scope;
  /** Creates what the route needs in `owner`'s tenant and returns the request to make. */
  prepare(owner: TestTenant): Promise<{ path: string; init?: RequestInit }>;
  /** The same request aimed at an id that does not exist, when the route takes an id. */
  missing?: (owner: TestTenant) => Promise<{ path: string; init?: RequestInit }>;
}

function withKey(init: RequestInit | undefined, key: string | null): RequestInit {
  const headers = new Headers(init?.headers);
  if (key !== null) headers.set("Authorization", `Bearer ${key}`);
  return { ...init, headers };
}

async function send(request: { path: string; init?: RequestInit }, key: string | null) {
  return call(`/v1${request.path}`, withKey(request.init, key));
}

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  expect(await response.json()).toMatchObject({ code, status });
}

export function runSecurityMatrix(route: RouteUnderTest): void {
  describe(`${route.name}: security matrix`, () => {
    it("refuses a request without credentials with 401 unauthenticated", async () => {
      const owner = await seedTenant();
      const response = await send(await route.prepare(owner), null);
      await expectProblem(response, 401, "unauthenticated");
      expect(response.headers.get("WWW-Authenticate")).toContain("Bearer");
    });

    it("refuses a malformed key and a key with a tampered secret alike", async () => {
      const owner = await seedTenant();
      const request = await route.prepare(owner);
      const tampered = `${owner.key.slice(0, -4)}${owner.key.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
      await expectProblem(await send(request, "not-a-key"), 401, "unauthenticated");
      await expectProblem(await send(request, tampered), 401, "unauthenticated");
    });

    it("refuses a revoked key", async () => {
      const owner = await seedTenant();
      const request = await route.prepare(owner);
      await database(env.DB)
        .update(apiKeys)
        .set({ revokedAt: Date.now() })
        .where(eq(apiKeys.id, owner.keyId));
      await expectProblem(await send(request, owner.key), 401, "unauthenticated");
    });

    it(`refuses a key without the "${route.scope}" scope with 403 insufficient_scope`, async () => {
      const owner = await seedTenant();
      const request = await route.prepare(owner);
      const others = (
        ["publish", "issue", "revoke", "approve", "audit:read", "admin"] as const
      ).filter((scope) => scope !== route.scope);
      const limited = await addKey(owner, others);
      await expectProblem(await send(request, limited), 403, "insufficient_scope");
    });

    if (route.missing) {
      const missing = route.missing;
      it("answers another tenant's key exactly as it answers a missing id", async () => {
        const owner = await seedTenant();
        const stranger = await seedTenant();
        const foreign = await send(await route.prepare(owner), stranger.key);
        const absent = await send(await missing(stranger), stranger.key);
        expect(foreign.status).toBe(404);
        expect(absent.status).toBe(404);
        const [a, b] = [await foreign.json<object>(), await absent.json<object>()];
        expect({ ...a, requestId: null }).toEqual({ ...b, requestId: null });
      });
    }
  });
}
