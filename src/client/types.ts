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

export const LINK_STATUSES = ["active", "expired", "revoked", "used_up"] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

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
  versionId: z.string(),
  class: z.enum(SENSITIVITY_CLASSES),
  status: z.enum(LINK_STATUSES),
  usesSpent: z.number().int(),
  maxUses: z.number().int(),
  usesLeft: z.number().int(),
  expiresAt: z.string(),
  issuedAt: z.string(),
  issuedBy: z.string(),
  recipientEmail: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type Link = z.infer<typeof linkSchema>;
/** The answer to issuing a link, which always carries its URL. */
export type IssuedLink = Link & { url: string };

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
  clientIp: z.string().nullable(),
  country: z.string().nullable(),
  userAgent: z.string().nullable(),
  bytesServed: z.number().int().nullable(),
  requestId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

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
