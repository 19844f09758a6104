/**
 * /v1/policy: read and change the tenant's class policies and its settings (alert thresholds,
 * audit retention), with the `admin` scope. A class is replaced whole or reset to the built-in
 * policy, the settings are replaced whole; each change is written together with its
 * `policy.changed` or `settings.changed` audit event (the whole before and after) in one D1 batch.
 *
 * A change governs links issued after it. Links keep the terms and the policy they were issued
 * under (LinkRecord.policy), so no change loosens or tightens a link that already exists.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditOrigin } from "../audit/origin.ts";
import { type Database, database } from "../db/client.ts";
import type { HonoEnv } from "../env.ts";
import { problemResponses } from "../http/openapi.ts";
import { routeGuard } from "../http/route-guard.ts";
import { CLASSES, classPolicySchema, classSchema } from "./classes.ts";
import { type TenantSettings, tenantSettingsSchema } from "./settings.ts";
import {
  canonicalSettingsJson,
  loadTenantSettings,
  settingsChangeStatements,
} from "./settings-store.ts";
import {
  type ClassPolicyChange,
  type EffectivePolicy,
  loadEffectivePolicy,
  policyChangeStatements,
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
    settings: tenantSettingsSchema,
  })
  .openapi("TenantPolicy");

const putPolicySchema = z
  .object({
    classes: perClass(classPolicySchema.optional())
      .strict()
      .optional()
      .openapi({ description: "The classes to replace, each whole; others stay as they are." }),
    settings: tenantSettingsSchema.optional().openapi({
      description: "The settings, replaced whole: a field left out takes its default.",
    }),
  })
  .strict()
  .refine((body) => body.classes !== undefined || body.settings !== undefined, {
    message: "Give `classes`, `settings` or both.",
  })
  .openapi("PutPolicy");

const policyResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: effectivePolicySchema } },
});

const getPolicyRoute = createRoute({
  method: "get",
  middleware: [routeGuard("admin")] as const,
  path: "/policy",
  summary: "Read the tenant's effective class policies and settings",
  description:
    "The tenant's own policy where it set one, the built-in policy elsewhere, and the tenant's " +
    "settings with defaults for whatever it did not set.",
  responses: {
    200: policyResponse("The effective policy of every class, and where each comes from"),
    ...problemResponses(401, 403),
  },
});

const putPolicyRoute = createRoute({
  method: "put",
  middleware: [routeGuard("admin")] as const,
  path: "/policy",
  summary: "Replace the policy of one or more classes, or the settings",
  description:
    "Each class given is replaced whole; classes not given are unchanged. The change applies " +
    "to links issued after it: existing links keep the terms they were issued with. Settings " +
    "given are replaced whole, fields left out taking their defaults. All or nothing is applied.",
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
  middleware: [routeGuard("admin", { body: "none" })] as const,
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
    const policy = requested.classes?.[name];
    if (policy && !samePolicy(current.classes[name], policy)) {
      changes.push({ class: name, policy });
    }
  }
  return changes;
}

/** The new settings when they differ from the current ones, else null. */
function changedSettings(current: TenantSettings, requested: TenantSettings | undefined) {
  if (requested === undefined) return null;
  return canonicalSettingsJson(current) === canonicalSettingsJson(requested) ? null : requested;
}

async function loadPolicyAnswer(db: Database, tenantId: string) {
  const [policy, settings] = await Promise.all([
    loadEffectivePolicy(db, tenantId),
    loadTenantSettings(db, tenantId),
  ]);
  return { ...policy, settings };
}

export function registerPolicyRoutes(api: OpenAPIHono<HonoEnv>): void {
  api.openapi(getPolicyRoute, async (c) => {
    const principal = c.get("principal");

    return c.json(await loadPolicyAnswer(database(c.env.DB), principal.tenantId), 200);
  });

  api.openapi(putPolicyRoute, async (c) => {
    const { tenantId } = c.get("principal");
    const body = c.req.valid("json");

    const db = database(c.env.DB);
    const current = await loadPolicyAnswer(db, tenantId);
    const changes = changedClasses(current, body);
    const settings = changedSettings(current.settings, body.settings);

    // One batch, so a PUT that changes classes and settings applies all of it or nothing.
    const origin = auditOrigin(c);
    const now = Date.now();
    const statements = [
      ...policyChangeStatements(db, tenantId, changes, origin, now),
      ...(settings ? settingsChangeStatements(db, tenantId, settings, origin, now) : []),
    ];
    const [first, ...rest] = statements;
    if (first) await db.batch([first, ...rest]);

    if (changes.length > 0) {
      c.get("logger").info("policy changed", { classes: changes.map((change) => change.class) });
    }
    if (settings) c.get("logger").info("settings changed");
    return c.json(await loadPolicyAnswer(db, tenantId), 200);
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
    return c.json(await loadPolicyAnswer(db, principal.tenantId), 200);
  });
}
