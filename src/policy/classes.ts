/**
 * Sensitivity classes and the policy each imposes on links and versions: a zod schema that every
 * stored or submitted policy must pass, and the built-in defaults a tenant starts with.
 *
 * The defaults are deliberately conservative: the more sensitive the class, the shorter and
 * narrower its links. Patient-linked files need an identified recipient and a second person's
 * approval, so until recipient identity is established nobody can download them by accident.
 */
import { z } from "@hono/zod-openapi";
import { CONSTRAINT_NAMES } from "../links/constraints.ts";

export const CLASSES = ["public", "internal", "restricted", "patient-linked"] as const;
export const classSchema = z.enum(CLASSES);
export type SensitivityClass = z.infer<typeof classSchema>;

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const seconds = (max: number) => z.number().int().min(60).max(max);

export const classPolicySchema = z
  .object({
    defaultTtlSeconds: seconds(365 * DAY),
    maxTtlSeconds: seconds(365 * DAY),
    defaultUses: z.number().int().min(1).max(100_000),
    maxUses: z.number().int().min(1).max(100_000),
    /** How long a confirmed download may be fetched, resumed or ranged without another use. */
    sessionGraceSeconds: seconds(DAY),
    /** How often a one-time link may be confirmed again after a session lapsed incomplete. */
    retriesAfterLapse: z.number().int().min(0).max(5),
    /** Links must be bound to a recipient (e-mail, subject or group). */
    identityRequired: z.boolean(),
    /** Links wait for a second person's approval before anything downloads. */
    approvalRequired: z.boolean(),
    /** How long a link may wait for approval before the request lapses. */
    approvalTtlSeconds: seconds(7 * DAY),
    /** Constraints every link of the class must carry. */
    requiredConstraints: z.array(z.enum(CONSTRAINT_NAMES)).max(3),
    /** How long published bytes are kept before the retention sweep purges them; null = forever. */
    retentionSeconds: z.number().int().min(DAY).nullable(),
    /** One or two plain sentences shown to recipients on the landing page. */
    summary: z.string().min(1).max(400),
  })
  .strict()
  .superRefine((policy, context) => {
    if (policy.defaultTtlSeconds > policy.maxTtlSeconds) {
      context.addIssue({
        code: "custom",
        path: ["defaultTtlSeconds"],
        message: "The default lifetime may not exceed the maximum.",
      });
    }
    if (policy.defaultUses > policy.maxUses) {
      context.addIssue({
        code: "custom",
        path: ["defaultUses"],
        message: "The default number of uses may not exceed the maximum.",
      });
    }
  })
  .openapi("ClassPolicy");

export type ClassPolicy = z.infer<typeof classPolicySchema>;
export type TenantPolicy = Record<SensitivityClass, ClassPolicy>;

export const BUILT_IN_POLICY: TenantPolicy = {
  public: {
    defaultTtlSeconds: 7 * DAY,
    maxTtlSeconds: 30 * DAY,
    defaultUses: 100,
    maxUses: 10_000,
    sessionGraceSeconds: 30 * MINUTE,
    retriesAfterLapse: 1,
    identityRequired: false,
    approvalRequired: false,
    approvalTtlSeconds: DAY,
    requiredConstraints: [],
    retentionSeconds: null,
    summary:
      "This file is public information. The link still expires and every download is logged.",
  },
  internal: {
    defaultTtlSeconds: DAY,
    maxTtlSeconds: 7 * DAY,
    defaultUses: 5,
    maxUses: 100,
    sessionGraceSeconds: 30 * MINUTE,
    retriesAfterLapse: 1,
    identityRequired: false,
    approvalRequired: false,
    approvalTtlSeconds: DAY,
    requiredConstraints: [],
    retentionSeconds: 365 * DAY,
    summary: "This file is for internal use only. Do not forward it; every download is logged.",
  },
  restricted: {
    defaultTtlSeconds: DAY,
    maxTtlSeconds: 3 * DAY,
    defaultUses: 1,
    maxUses: 5,
    sessionGraceSeconds: 30 * MINUTE,
    retriesAfterLapse: 1,
    identityRequired: false,
    approvalRequired: false,
    approvalTtlSeconds: DAY,
    requiredConstraints: [],
    retentionSeconds: 90 * DAY,
    summary:
      "This file is restricted. Store it only where your organisation allows; " +
      "every download is logged.",
  },
  "patient-linked": {
    defaultTtlSeconds: 4 * HOUR,
    maxTtlSeconds: DAY,
    defaultUses: 1,
    maxUses: 1,
    sessionGraceSeconds: 30 * MINUTE,
    retriesAfterLapse: 0,
    identityRequired: true,
    approvalRequired: true,
    approvalTtlSeconds: DAY,
    requiredConstraints: [],
    retentionSeconds: 30 * DAY,
    summary:
      "This file contains patient-level data. It may be downloaded once, " +
      "by its intended recipient, " +
      "and must be handled under your organisation's rules for protected health information.",
  },
};
