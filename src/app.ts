/**
 * The Hono application: request context, the service API under /v1 (documented by the OpenAPI
 * document generated from its own schemas), the recipient plane under /d and /s, and errors.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestSeal } from "./audit/ledger-client.ts";
import { registerAuditRoutes } from "./audit/routes.ts";
import { registerBundleRoutes } from "./bundles/routes.ts";
import type { HonoEnv } from "./env.ts";
import { allowedMethodsOf } from "./http/allowed-methods.ts";
import { handleError, problemResponse, validationHook } from "./http/errors.ts";
import { ApiError } from "./http/problems.ts";
import { requestContext } from "./http/request-context.ts";
import { requireApiKey } from "./identity/api-keys.ts";
import { registerKeyRoutes } from "./identity/key-routes.ts";
import { registerRevocationRoutes } from "./links/revocation-routes.ts";
import { registerLinkRoutes } from "./links/routes.ts";
import { registerObjectRoutes } from "./objects/routes.ts";
import { registerPolicyRoutes } from "./policy/routes.ts";
import { registerRecipientRoutes } from "./recipient/routes.ts";
import { registerSubjectRoutes } from "./subjects/routes.ts";
import { registerWebhookRoutes } from "./webhooks/routes.ts";

export function createApp() {
  const app = new OpenAPIHono<HonoEnv>({ defaultHook: validationHook });
  app.use("*", requestContext());

  const api = new OpenAPIHono<HonoEnv>({ defaultHook: validationHook });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "A Portcullis API key: pcl.<key id>.<secret>",
  });
  const authenticate = requireApiKey();
  api.use("*", async (c, next) => {
    if (c.req.path === "/v1/openapi.json") return next();
    return authenticate(c, next);
  });
  // Changes write their audit events in the same D1 batch as the change; the tenant's ledger then
  // seals them into the chain once the response is on its way.
  api.use("*", async (c, next) => {
    await next();
    if (c.req.method === "GET" || c.req.method === "HEAD") return;
    const principal = c.get("principal");
    // A failed request costs only time: the five-minute cron seals whatever still waits.
    if (principal) c.executionCtx.waitUntil(requestSeal(c.env, principal.tenantId).catch(() => {}));
  });
  // Each route's own guard (./http/route-guard.ts) checks the scope, then the query's repeated
  // parameters and the body's size, media type and text: after routing, so a wrong path or method
  // is 404 or 405 whatever the request holds.
  registerObjectRoutes(api);
  registerLinkRoutes(api);
  registerBundleRoutes(api);
  registerAuditRoutes(api);
  registerKeyRoutes(api);
  registerSubjectRoutes(api);
  registerRevocationRoutes(api);
  registerPolicyRoutes(api);
  registerWebhookRoutes(api);
  app.route("/v1", api);
  // Generated after mounting, so every path carries its /v1 prefix.
  app.doc31("/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Portcullis API",
      version: "1.0.0",
      description: "Publish immutable file versions and issue narrow, audited download links.",
    },
    security: [{ apiKey: [] }],
  });

  registerRecipientRoutes(app);

  app.get("/", (c) => c.json({ service: "portcullis", api: "/v1", openapi: "/v1/openapi.json" }));
  const allowedMethods = allowedMethodsOf(app.routes);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length === 0)
      return problemResponse(c, new ApiError("not_found", "No such route."));

    const list = allowed.join(", ");
    const error = new ApiError("method_not_allowed", `This route answers ${list} only.`, {
      extensions: { allowed },
      headers: { Allow: list },
    });
    return problemResponse(c, error);
  });
  app.onError(handleError);
  return app;
}
