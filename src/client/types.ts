/**
 * The v1 contract (docs/api-contract.md) as the client sees it: the resources the API answers
 * with, declared here rather than imported from the Worker so the client runs anywhere `fetch`
 * does. Answers are parsed with these schemas, so drift between the two shows up as an
 * `unexpected_response` error naming the field, not as an `undefined` far from the call.
 *
 * Objects are loose: members added by a newer server are kept, never stripped.
 */
import { z } from "zod";

export const SENSITIVITY_CLASSES = ["public", "internal", "restricted", "patient-linked"] as const;
export type SensitivityClass = (typeof SENSITIVITY_CLASSES)[number];

export const LINK_STATUSES = [
  "active",
  "pending_approval",
  "rejected",
  "expired",
  "revoked",
  "used_up",
] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

export const APPROVAL_STATUSES = ["not_required", "pending", "approved", "rejected"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const versionSchema = z.looseObject({
  versionId: z.string(),
  objectName: z.string(),
  class: z.enum(SENSITIVITY_CLASSES),
  number: z.number().int(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  modelVersion: z.string().nullable(),
  trainingWindow: z.string().nullable(),
  recipientGroup: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  publishedBy: z.string(),
  /** ISO 8601. */
  publishedAt: z.string(),
  retainUntil: z.string().nullable(),
  purged: z.boolean(),
});
export type Version = z.infer<typeof versionSchema>;

export const versionListSchema = z.object({ versions: z.array(versionSchema) });

export const linkSchema = z.looseObject({
  id: z.string(),
  /** Present only in the answer to issuing the link: the token is not kept anywhere. */
  url: z.string().optional(),
  /** The version delivered; null for a bundle link. */
  versionId: z.string().nullable(),
  /** The bundle delivered; null for a version link. */
  bundleId: z.string().nullable(),
  class: z.enum(SENSITIVITY_CLASSES),
  status: z.enum(LINK_STATUSES),
  usesSpent: z.number().int(),
  maxUses: z.number().int(),
  usesLeft: z.number().int(),
  expiresAt: z.string(),
  issuedAt: z.string(),
  issuedBy: z.string(),
  recipientEmail: z.string().nullable(),
  recipientSubjectId: z.string().nullable(),
  recipientGroup: z.string().nullable(),
  approval: z.looseObject({
    status: z.enum(APPROVAL_STATUSES),
    /** Who approved or rejected the link; never its issuer. */
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    /** When a pending approval lapses; null when none is needed. */
    expiresAt: z.string().nullable(),
  }),
  revokedAt: z.string().nullable(),
});
export type Link = z.infer<typeof linkSchema>;
/** The answer to issuing a link, which always carries its URL. */
export type IssuedLink = Link & { url: string };

/** One version in a bundle, as the ZIP holds it. */
export const bundleMemberSchema = z.looseObject({
  versionId: z.string(),
  /** The entry's name in the ZIP: the version's file name, numbered when names clash. */
  filename: z.string(),
  size: z.number().int(),
  sha256: z.string(),
});
export type BundleMember = z.infer<typeof bundleMemberSchema>;

/** Several versions delivered under one link as one ZIP (docs/bundles.md). */
export const bundleSchema = z.looseObject({
  bundleId: z.string(),
  /** The ZIP downloads as `<name>.zip`. */
  name: z.string(),
  /** The most sensitive class among the members; the bundle's links follow its policy. */
  class: z.enum(SENSITIVITY_CLASSES),
  /** The ZIP's exact length in bytes. */
  size: z.number().int(),
  /** In ZIP order, after `MANIFEST.sha256`. */
  members: z.array(bundleMemberSchema),
  /** The text of `MANIFEST.sha256`: `<sha256>  <filename>` per member, as `sha256sum -c` reads. */
  manifest: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type Bundle = z.infer<typeof bundleSchema>;

/** What a bulk revocation did: links revoked now, and selected links that needed nothing. */
export const revocationResultSchema = z.looseObject({
  linksRevoked: z.number().int(),
  /** Already revoked, expired, used up or rejected; left as they were. */
  alreadyInactive: z.number().int(),
});
export type RevocationResult = z.infer<typeof revocationResultSchema>;

/** A recipient the tenant knows from its identity provider (docs/subjects.md). */
export const subjectSchema = z.looseObject({
  /** The identity provider's id for the person, e.g. an OIDC `sub`. */
  id: z.string(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  /** The groups the subject belongs to, sorted; links bound to a group use them. */
  roles: z.array(z.string()),
  attributes: z.record(z.string(), z.string()),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deactivatedAt: z.string().nullable(),
});
export type Subject = z.infer<typeof subjectSchema>;

/** The answer to changing a subject: the subject as it now is, and the links the change revoked. */
export const subjectChangeSchema = z.looseObject({
  subject: subjectSchema,
  /** Live links bound to the subject that the change revoked before answering. */
  linksRevoked: z.number().int(),
});
export type SubjectChange = z.infer<typeof subjectChangeSchema>;

export const subjectPageSchema = z.object({
  subjects: z.array(subjectSchema),
  nextCursor: z.string().nullable(),
});
export type SubjectPage = z.infer<typeof subjectPageSchema>;

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Where and when a link may be opened; each constraint given must be met. */
export interface LinkConstraints {
  /** CIDR ranges, IPv4 or IPv6, the client's address must fall in. */
  ipRanges?: string[];
  /** ISO 3166-1 alpha-2 codes, e.g. `US`. */
  countries?: string[];
  /** Days and a same-day window (`from` before `to`, HH:MM) in an IANA time zone. */
  hours?: { days: Weekday[]; from: string; to: string; timeZone: string };
}

export const CONSTRAINT_NAMES = ["ipRanges", "countries", "hours"] as const;
export type ConstraintName = (typeof CONSTRAINT_NAMES)[number];

/** What a sensitivity class imposes on the links and versions of its objects. */
export const classPolicySchema = z.looseObject({
  defaultTtlSeconds: z.number().int(),
  maxTtlSeconds: z.number().int(),
  defaultUses: z.number().int(),
  maxUses: z.number().int(),
  /** How long a confirmed download may be resumed or ranged without another use. */
  sessionGraceSeconds: z.number().int(),
  /** How often a spent link may be confirmed again after a session lapsed incomplete. */
  retriesAfterLapse: z.number().int(),
  /** Links must name their recipient (e-mail, subject or group). */
  identityRequired: z.boolean(),
  /** Links wait for a second person's approval before anything downloads. */
  approvalRequired: z.boolean(),
  approvalTtlSeconds: z.number().int(),
  /** Constraints every link of the class must carry. */
  requiredConstraints: z.array(z.string()),
  /** How long published bytes are kept; null keeps them. */
  retentionSeconds: z.number().int().nullable(),
  /** Shown to recipients on the landing page. */
  summary: z.string(),
});
export type ClassPolicy = z.infer<typeof classPolicySchema>;

export const POLICY_SOURCES = ["built-in", "tenant"] as const;
export type PolicySource = (typeof POLICY_SOURCES)[number];

const perClass = <T extends z.ZodType>(schema: T) =>
  z.looseObject({
    public: schema,
    internal: schema,
    restricted: schema,
    "patient-linked": schema,
  });

/** A weekly schedule in an IANA time zone, e.g. mon–fri 08:00–18:00 America/New_York. */
const weeklyHoursSchema = z.looseObject({
  days: z.array(z.string()),
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
});
export type WeeklyHours = z.infer<typeof weeklyHoursSchema>;

/** Tenant-wide settings: alert thresholds (each rule can be switched off), audit retention. */
export const tenantSettingsSchema = z.looseObject({
  alerts: z.looseObject({
    repeatedDenials: z.looseObject({
      enabled: z.boolean(),
      perLink: z.number().int(),
      perAddress: z.number().int(),
      windowSeconds: z.number().int(),
    }),
    unusualLocation: z.looseObject({ enabled: z.boolean(), lookBackSeconds: z.number().int() }),
    /** `classes` holds the weekly hours of each class that has them. */
    outsideHours: z.looseObject({
      enabled: z.boolean(),
      classes: z.record(z.string(), weeklyHoursSchema),
    }),
    secondAddress: z.looseObject({ enabled: z.boolean() }),
  }),
  /** Days audit events are kept before pruning; at least 365. */
  auditRetentionDays: z.number().int(),
});
export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

type AlertSettings = TenantSettings["alerts"];
/** Settings to store: the gateway gives every field left out its default. */
export interface TenantSettingsInput {
  alerts?: {
    repeatedDenials?: Partial<AlertSettings["repeatedDenials"]>;
    unusualLocation?: Partial<AlertSettings["unusualLocation"]>;
    outsideHours?: Partial<AlertSettings["outsideHours"]>;
    secondAddress?: Partial<AlertSettings["secondAddress"]>;
  };
  auditRetentionDays?: number;
}

/** The tenant's effective policy: its own where it set one, the built-in one elsewhere. */
export const tenantPolicySchema = z.looseObject({
  classes: perClass(classPolicySchema),
  sources: perClass(z.enum(POLICY_SOURCES)),
  settings: tenantSettingsSchema,
});
export type TenantPolicy = z.infer<typeof tenantPolicySchema>;

export const auditEventSchema = z.looseObject({
  id: z.string(),
  occurredAt: z.string(),
  tenantId: z.string().nullable(),
  linkId: z.string().nullable(),
  versionId: z.string().nullable(),
  action: z.string(),
  outcome: z.string(),
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  /** The API key that acted; null for the system and for recipients. */
  actorKeyId: z.string().nullable().optional(),
  clientIp: z.string().nullable(),
  country: z.string().nullable(),
  userAgent: z.string().nullable(),
  bytesServed: z.number().int().nullable(),
  requestId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  /** The event's place in the tenant's hash chain; null in the moments before it is sealed. */
  seq: z.number().int().nullable().optional(),
  hash: z.string().nullable().optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** The head of the tenant's audit hash chain: keep it to check later exports against. */
export const auditHeadSchema = z.object({
  head: z.object({ seq: z.number().int(), hash: z.string(), sealedAt: z.string() }).nullable(),
  anchor: z.object({ seq: z.number().int(), hash: z.string(), prunedAt: z.string() }).nullable(),
  waiting: z.number().int(),
});
export type AuditHead = z.infer<typeof auditHeadSchema>;

export const auditPageSchema = z.object({
  events: z.array(auditEventSchema),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

export const API_KEY_SCOPES = [
  "publish",
  "issue",
  "revoke",
  "approve",
  "audit:read",
  "admin",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** An API key as listed: never the key itself, which only the answer to creating it carries. */
export const apiKeySchema = z.looseObject({
  id: z.string(),
  /** The person or service the key belongs to. */
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  /** Who created it through the API; null for keys made outside the API. */
  createdBy: z.string().nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

/** The answer to creating a key: the only time the key, `pcl.<id>.<secret>`, is ever shown. */
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;

export const apiKeyListSchema = z.object({ keys: z.array(apiKeySchema) });

/** An RFC 9457 problem document; only `code` is required to count as one. */
export const problemSchema = z.looseObject({
  code: z.string(),
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().optional(),
  requestId: z.string().optional(),
});
export type Problem = z.infer<typeof problemSchema>;
