/**
 * /v1/policy: read and change the tenant's class policies, with the `admin` scope. A class is
 * replaced whole or reset to the built-in policy; each change is written together with its
 * `policy.changed` audit event (the full policy before and after) in one D1 batch.
 *
 * A change governs links issued after it. Links keep the terms and the policy they were issued
 * under (LinkRecord.policy), so no change loosens or tightens a link that already exists.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditOrigin } from "../audit/origin.ts";
import { database } from "../db/client.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { requireScope } from "../identity/api-keys.ts";
import { CLASSES, classPolicySchema, classSchema } from "./classes.ts";
import {
  type ClassPolicyChange,
  type EffectivePolicy,
  loadEffectivePolicy,
  samePolicy,
  savePolicyChanges,
} from "./store.ts";

const perClass = <T extends z.ZodType>(schema: T) =>
  z.object({
    public: schema,
    internal: schema,
    restricted: schema,
    "patient-linked": schema,
  });

const policySourceSchema = z.enum(["built-in", "tenant"]).openapi({
  description: "`tenant` when the tenant set the class's policy, `built-in` otherwise.",
});

const effectivePolicySchema = z
  .object({
    classes: perClass(classPolicySchema),
    sources: perClass(policySourceSchema),
  })
  .openapi("TenantPolicy");

const putPolicySchema = z
  .object({
    classes: perClass(classPolicySchema.optional())
      .strict()
      .openapi({ description: "The classes to replace, each whole; others stay as they are." }),
  })
  .strict()
  .openapi("PutPolicy");

const policyResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: effectivePolicySchema } },
});

const getPolicyRoute = createRoute({
  method: "get",
  middleware: [requireScope("admin")] as const,
  path: "/policy",
  summary: "Read the tenant's effective class policies",
  description: "The tenant's own policy where it set one, the built-in policy elsewhere.",
  responses: {
    200: policyResponse("The effective policy of every class, and where each comes from"),
    ...problemResponses(401, 403),
  },
});

const putPolicyRoute = createRoute({
  method: "put",
  middleware: [requireScope("admin")] as const,
  path: "/policy",
  summary: "Replace the policy of one or more classes",
  description:
    "Each class given is replaced whole; classes not given are unchanged. The change applies " +
    "to links issued after it: existing links keep the terms they were issued with.",
  request: {
    body: { required: true, content: { "application/json": { schema: putPolicySchema } } },
  },
  responses: {
    200: policyResponse("The new effective policy"),
    ...problemResponses(400, 401, 403),
  },
});

const resetPolicyRoute = createRoute({
  method: "delete",
  middleware: [requireScope("admin")] as const,
  path: "/policy/{class}",
  summary: "Return a class to the built-in policy",
  description: "Existing links keep the terms they were issued with.",
  request: { params: z.object({ class: classSchema }) },
  responses: {
    200: policyResponse("The new effective policy"),
    ...problemResponses(400, 401, 403),
  },
});

function changedClasses(current: EffectivePolicy, requested: z.infer<typeof putPolicySchema>) {
  const changes: ClassPolicyChange[] = [];
  for (const name of CLASSES) {
    const policy = requested.classes[name];
    if (policy && !samePolicy(current.classes[name], policy)) {
      changes.push({ class: name, policy });
    }
  }
  return changes;
}

export function registerPolicyRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(getPolicyRoute, async (c) => {
    const principal = c.get("principal");

    return c.json(await loadEffectivePolicy(database(c.env.DB), principal.tenantId), 200);
  });

  api.openapi(putPolicyRoute, async (c) => {
    const principal = c.get("principal");
    const body = c.req.valid("json");

    const db = database(c.env.DB);
    const changes = changedClasses(await loadEffectivePolicy(db, principal.tenantId), body);
    await savePolicyChanges(db, principal.tenantId, changes, auditOrigin(c));

    if (changes.length > 0) {
      c.get("logger").info("policy changed", { classes: changes.map((change) => change.class) });
    }
    return c.json(await loadEffectivePolicy(db, principal.tenantId), 200);
  });

  api.openapi(resetPolicyRoute, async (c) => {
    const principal = c.get("principal");
    const { class: sensitivityClass } = c.req.valid("param");

    // Always written: deleting a missing row is harmless, and the batch records an event only
    // when the class's policy was not the built-in one already.
    const db = database(c.env.DB);
    const reset: ClassPolicyChange = { class: sensitivityClass, policy: null };
    await savePolicyChanges(db, principal.tenantId, [reset], auditOrigin(c));

    c.get("logger").info("policy reset", { class: sensitivityClass });
    return c.json(await loadEffectivePolicy(db, principal.tenantId), 200);
  });
}
