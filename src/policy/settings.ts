/**
 * Tenant-wide settings beside the class policies: the thresholds of the alert rules
 * (src/alerts/) and how long audit events are kept. Every field has a default, so a tenant that
 * never set anything, and a stored row written before a field existed, read as complete settings.
 */
import { z } from "@hono/zod-openapi";
import { allowedHoursSchema } from "../links/constraints.ts";

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Six years: HIPAA's retention period for compliance documentation (45 CFR 164.316(b)(2)). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 2192;
export const MIN_AUDIT_RETENTION_DAYS = 365;
export const MAX_AUDIT_RETENTION_DAYS = 36_500;

const enabled = z.boolean().default(true).openapi({ description: "false switches the rule off" });

const repeatedDenialsSchema = z
  .object({
    enabled,
    perLink: z.number().int().min(2).max(10_000).default(5).openapi({
      description: "Denied downloads of one link within the window that raise an alert",
    }),
    perAddress: z.number().int().min(2).max(10_000).default(20).openapi({
      description: "Denied downloads from one client address, any link, that raise an alert",
    }),
    windowSeconds: z
      .number()
      .int()
      .min(MINUTE)
      .max(DAY)
      .default(15 * MINUTE),
  })
  .strict();

const unusualLocationSchema = z
  .object({
    enabled,
    lookBackSeconds: z
      .number()
      .int()
      .min(HOUR)
      .max(365 * DAY)
      .default(30 * DAY)
      .openapi({ description: "How far back a link's earlier downloads count as its history" }),
  })
  .strict();

const classHoursSchema = z
  .object({
    public: allowedHoursSchema.optional(),
    internal: allowedHoursSchema.optional(),
    restricted: allowedHoursSchema.optional(),
    "patient-linked": allowedHoursSchema.optional(),
  })
  .strict();

const outsideHoursSchema = z
  .object({
    enabled,
    classes: classHoursSchema.default({}).openapi({
      description: "The weekly hours of each class; a class without hours raises no alert",
    }),
  })
  .strict();

const secondAddressSchema = z.object({ enabled }).strict();

// prefault({}) parses an absent member as an empty object, so its own defaults fill it in.
export const alertSettingsSchema = z
  .object({
    repeatedDenials: repeatedDenialsSchema.prefault({}),
    unusualLocation: unusualLocationSchema.prefault({}),
    outsideHours: outsideHoursSchema.prefault({}),
    secondAddress: secondAddressSchema.prefault({}),
  })
  .strict()
  .openapi("AlertSettings");

export const auditRetentionDaysSchema = z
  .number()
  .int()
  .min(MIN_AUDIT_RETENTION_DAYS)
  .max(MAX_AUDIT_RETENTION_DAYS)
  .openapi({ description: "Days audit events are kept before pruning (at least 365)" });

export const tenantSettingsSchema = z
  .object({
    alerts: alertSettingsSchema.prefault({}),
    auditRetentionDays: auditRetentionDaysSchema.default(DEFAULT_AUDIT_RETENTION_DAYS),
  })
  .strict()
  .openapi("TenantSettings");

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;
/** What a client may send: any field left out takes its default. */
export type TenantSettingsInput = z.input<typeof tenantSettingsSchema>;
export type AlertSettings = TenantSettings["alerts"];

export const DEFAULT_SETTINGS: TenantSettings = tenantSettingsSchema.parse({});
