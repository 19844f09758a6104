/**
 * The D1 record: tenants, credentials, objects, versions, links and the audit log.
 *
 * Every row carries its tenant id and every query filters by the caller's tenant. The live,
 * mutable state of a link (uses, sessions, revocation) is owned by its LinkGuard Durable Object;
 * the `links` table holds what was issued, for listing and bulk operations.
 */

import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import type { AuditAction, AuditOutcome } from "../audit/events.ts";

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** The person or service the key belongs to; the audit records it as the actor. */
    principal: text("principal").notNull(),
    /** Hex sha256 of the whole key. Keys are 256-bit random, so a fast hash is enough. */
    secretHash: text("secret_hash").notNull(),
    /** JSON array of scope names. */
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at").notNull(),
    /** The principal who created the key through the API; null for keys seeded outside it. */
    createdBy: text("created_by"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("api_keys_tenant").on(t.tenantId)],
);

/** A tenant's own policy for a class; classes without a row use the built-in policy. */
export const tenantPolicies = sqliteTable(
  "tenant_policies",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    class: text("class").notNull(),
    policy: text("policy", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    updatedBy: text("updated_by").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.class] })],
);

export const objects = sqliteTable(
  "objects",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    class: text("class").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("objects_tenant_name").on(t.tenantId, t.name)],
);

export const versions = sqliteTable(
  "versions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    objectId: text("object_id")
      .notNull()
      .references(() => objects.id),
    /** 1, 2, 3… within the object, in publish order. */
    number: integer("number").notNull(),
    storageKey: text("storage_key").notNull(),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    modelVersion: text("model_version"),
    trainingWindow: text("training_window"),
    recipientGroup: text("recipient_group"),
    labels: text("labels", { mode: "json" }).$type<Record<string, string>>().notNull(),
    publishedBy: text("published_by").notNull(),
    publishedAt: integer("published_at").notNull(),
    /** When the retention sweep may delete the bytes; null keeps them. */
    retainUntil: integer("retain_until"),
    purgedAt: integer("purged_at"),
  },
  (t) => [
    uniqueIndex("versions_object_number").on(t.objectId, t.number),
    index("versions_tenant").on(t.tenantId),
    index("versions_retention").on(t.retainUntil),
  ],
);

/**
 * A recipient known to the tenant (from its identity provider): roles and attributes decide which
 * bound links stay valid. Deactivation keeps the row, so the audit can still name the subject.
 */
export const subjects = sqliteTable(
  "subjects",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    id: text("id").notNull(),
    displayName: text("display_name"),
    email: text("email"),
    roles: text("roles", { mode: "json" }).$type<string[]>().notNull(),
    attributes: text("attributes", { mode: "json" }).$type<Record<string, string>>().notNull(),
    active: integer("active", { mode: "boolean" }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deactivatedAt: integer("deactivated_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

/** Several versions delivered as one ZIP under one link. */
export const bundles = sqliteTable(
  "bundles",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    /** The most sensitive class among the members; it governs the bundle's links. */
    class: text("class").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("bundles_tenant").on(t.tenantId)],
);

export const bundleMembers = sqliteTable(
  "bundle_members",
  {
    bundleId: text("bundle_id")
      .notNull()
      .references(() => bundles.id),
    position: integer("position").notNull(),
    versionId: text("version_id")
      .notNull()
      .references(() => versions.id),
  },
  (t) => [
    primaryKey({ columns: [t.bundleId, t.position] }),
    index("bundle_members_version").on(t.versionId),
  ],
);

export const links = sqliteTable(
  "links",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    /** The version delivered; null when the link delivers a bundle. */
    versionId: text("version_id").references(() => versions.id),
    bundleId: text("bundle_id").references(() => bundles.id),
    class: text("class").notNull(),
    maxUses: integer("max_uses").notNull(),
    recipientEmail: text("recipient_email"),
    recipientSubjectId: text("recipient_subject_id"),
    recipientGroup: text("recipient_group"),
    issuedBy: text("issued_by").notNull(),
    issuedAt: integer("issued_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    index("links_tenant_version").on(t.tenantId, t.versionId),
    index("links_tenant_subject").on(t.tenantId, t.recipientSubjectId),
    index("links_tenant_bundle").on(t.tenantId, t.bundleId),
  ],
);

export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    occurredAt: integer("occurred_at").notNull(),
    /** Null only for denials of tokens that could not be attributed to any link. */
    tenantId: text("tenant_id"),
    linkId: text("link_id"),
    versionId: text("version_id"),
    action: text("action").$type<AuditAction>().notNull(),
    outcome: text("outcome").$type<AuditOutcome>().notNull(),
    reason: text("reason"),
    actor: text("actor"),
    /** The API key that acted, when one did: names are not unique across keys, key ids are. */
    actorKeyId: text("actor_key_id"),
    clientIp: text("client_ip"),
    country: text("country"),
    userAgent: text("user_agent"),
    bytesServed: integer("bytes_served"),
    requestId: text("request_id"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
    /**
     * The event's place in its tenant's hash chain, set once by the tenant's AuditLedger when it
     * seals the event (src/audit/chain.ts). Null while the event waits to be sealed, and forever
     * for denials that no tenant can be named for.
     */
    seq: integer("seq"),
    prevHash: text("prev_hash"),
    hash: text("hash"),
    sealedAt: integer("sealed_at"),
  },
  (t) => [
    // The list API pages newest first by (occurred_at, id); each filter's index ends in those
    // two columns, so a filtered page is one index range read in order, never a sort.
    index("audit_tenant_time").on(t.tenantId, t.occurredAt, t.id),
    index("audit_tenant_link_time").on(t.tenantId, t.linkId, t.occurredAt, t.id),
    index("audit_tenant_version_time").on(t.tenantId, t.versionId, t.occurredAt, t.id),
    index("audit_tenant_action_time").on(t.tenantId, t.action, t.occurredAt, t.id),
    index("audit_tenant_outcome_time").on(t.tenantId, t.outcome, t.occurredAt, t.id),
    index("audit_tenant_ip").on(t.tenantId, t.clientIp, t.occurredAt),
    // One event per position: two writers can never both extend the chain from the same head.
    uniqueIndex("audit_tenant_seq").on(t.tenantId, t.seq),
    // Sealing times rise with positions: a time range maps to a stretch of positions read here.
    index("audit_tenant_sealed_seq").on(t.tenantId, t.sealedAt, t.seq),
    index("audit_unsealed").on(t.tenantId, t.occurredAt, t.id).where(sql.raw("seq IS NULL")),
  ],
);

/**
 * Where a tenant's chain starts after the audit retention pruned its oldest events: the last
 * pruned event's position and hash, so the first remaining event can still be verified.
 */
export const auditChainAnchors = sqliteTable("audit_chain_anchors", {
  tenantId: text("tenant_id").primaryKey(),
  seq: integer("seq").notNull(),
  hash: text("hash").notNull(),
  prunedAt: integer("pruned_at").notNull(),
});

/** Tenant-wide settings beside the class policies: alert thresholds and audit retention. */
export const tenantSettings = sqliteTable("tenant_settings", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id),
  settings: text("settings", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedBy: text("updated_by").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** An HTTPS endpoint a tenant registered to receive events, signed per Standard Webhooks. */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    url: text("url").notNull(),
    description: text("description"),
    /** JSON array of audit actions (or `*` for all) the endpoint receives. */
    eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
    /** The signing secret, encrypted with the Worker's WEBHOOK_SECRET_KEY. */
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** The secret before the last rotation, still signing until it expires. */
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretExpiresAt: integer("previous_secret_expires_at"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    disabledAt: integer("disabled_at"),
    /** Deleted endpoints keep their row, secrets wiped, so their delivery history stays. */
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("webhook_endpoints_tenant").on(t.tenantId)],
);

/** One attempt to deliver one event to one endpoint. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id),
    eventId: text("event_id").notNull(),
    attempt: integer("attempt").notNull(),
    /** `delivered`, `failed` (to be retried), `dead_lettered`, or `dropped` (endpoint gone). */
    status: text("status").notNull(),
    responseStatus: integer("response_status"),
    latencyMs: integer("latency_ms"),
    error: text("error"),
    replay: integer("replay", { mode: "boolean" }).notNull(),
    attemptedAt: integer("attempted_at").notNull(),
  },
  (t) => [
    // Ends in (attempted_at, id), the listing's order and cursor, so a page needs no sort.
    index("webhook_deliveries_endpoint_time").on(t.tenantId, t.endpointId, t.attemptedAt, t.id),
    // Duplicate checks ask about one event at one endpoint: three columns that outrank the two of
    // the index above, which would read the endpoint's whole history.
    index("webhook_deliveries_event_endpoint").on(t.tenantId, t.eventId, t.endpointId),
  ],
);

export const schema = {
  tenants,
  apiKeys,
  tenantPolicies,
  subjects,
  bundles,
  bundleMembers,
  objects,
  versions,
  links,
  auditEvents,
  auditChainAnchors,
  tenantSettings,
  webhookEndpoints,
  webhookDeliveries,
};
