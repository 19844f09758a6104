/**
 * The tenant's webhook endpoints in D1. Each change is written with its audit event in one D1
 * batch. The events name the endpoint, its event types and the URL's origin, never the path or
 * query (a receiver URL can itself be a capability, and audit events are delivered to every
 * endpoint subscribed to them) and never a secret.
 */
import { and, desc, eq, isNull, notExists } from "drizzle-orm";
import { buildAuditEvent, type EventOrigin } from "../audit/events.ts";
import { insertAuditEvents } from "../audit/store.ts";
import type { Database } from "../db/client.ts";
import { auditEvents, webhookEndpoints } from "../db/schema.ts";
import { ApiError } from "../http/problems.ts";
import { newId } from "../ids.ts";
import { decryptSecret, encryptSecret, generateWebhookSecret } from "./secrets.ts";

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
type Origin = EventOrigin & { actor: string };

export interface EndpointInput {
  url: string;
  description: string | null;
  eventTypes: string[];
}

export interface EndpointChanges {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  disabled?: boolean;
}

/** An endpoint of the caller's tenant, or 404: the same 404 whether foreign or missing. */
export async function requireEndpoint(
  db: Database,
  tenantId: string,
  endpointId: string,
): Promise<EndpointRow> {
  const row = await findEndpoint(db, tenantId, endpointId);
  if (!row) throw new ApiError("not_found", "No such webhook endpoint.");
  return row;
}

/** The endpoint's row even after deletion, which keeps it for its delivery history. */
export function findEndpointKept(db: Database, tenantId: string, endpointId: string) {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, endpointId)))
    .get();
}

export function findEndpoint(db: Database, tenantId: string, endpointId: string) {
  return db
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.tenantId, tenantId),
        eq(webhookEndpoints.id, endpointId),
        isNull(webhookEndpoints.deletedAt),
      ),
    )
    .get();
}

export function listEndpoints(db: Database, tenantId: string): Promise<EndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), isNull(webhookEndpoints.deletedAt)))
    .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id))
    .all();
}

/** What the audit says about an endpoint: enough to recognise it, nothing to abuse. */
function describeEndpoint(row: Pick<EndpointRow, "id" | "url" | "eventTypes" | "disabledAt">) {
  return {
    webhookId: row.id,
    urlOrigin: new URL(row.url).origin,
    eventTypes: row.eventTypes,
    disabled: row.disabledAt !== null,
  };
}

function webhookEvent(
  row: EndpointRow,
  action: "webhook.created" | "webhook.updated" | "webhook.deleted" | "webhook.secret_rotated",
  detail: Record<string, unknown>,
  origin: Origin,
  now: number,
) {
  return buildAuditEvent(
    {
      tenantId: row.tenantId,
      action,
      outcome: "succeeded",
      detail: { ...describeEndpoint(row), ...detail },
    },
    origin,
    now,
  );
}

export async function createEndpoint(
  env: Env,
  db: Database,
  tenantId: string,
  input: EndpointInput,
  origin: Origin,
  now = Date.now(),
): Promise<{ row: EndpointRow; secret: string }> {
  const id = newId("webhook");
  const secret = generateWebhookSecret();
  const row: EndpointRow = {
    id,
    tenantId,
    url: input.url,
    description: input.description,
    eventTypes: input.eventTypes,
    secretCiphertext: await encryptSecret(env, id, secret),
    previousSecretCiphertext: null,
    previousSecretExpiresAt: null,
    createdBy: origin.actor,
    createdAt: now,
    updatedAt: now,
    disabledAt: null,
    deletedAt: null,
  };
  const event = webhookEvent(row, "webhook.created", {}, origin, now);
  await db.batch([db.insert(webhookEndpoints).values(row), insertAuditEvents(db, [event])]);
  return { row, secret };
}

export async function updateEndpoint(
  db: Database,
  row: EndpointRow,
  changes: EndpointChanges,
  origin: Origin,
  now = Date.now(),
): Promise<EndpointRow> {
  const next: EndpointRow = {
    ...row,
    url: changes.url ?? row.url,
    description: changes.description === undefined ? row.description : changes.description,
    eventTypes: changes.eventTypes ?? row.eventTypes,
    disabledAt:
      changes.disabled === undefined
        ? row.disabledAt
        : changes.disabled
          ? (row.disabledAt ?? now)
          : null,
    updatedAt: now,
  };
  const changed = (["url", "description", "eventTypes", "disabledAt"] as const).filter(
    (field) => JSON.stringify(next[field]) !== JSON.stringify(row[field]),
  );
  // Nothing to record when the request changed nothing.
  if (changed.length === 0) return row;

  const event = webhookEvent(next, "webhook.updated", { changed }, origin, now);
  const update = db
    .update(webhookEndpoints)
    .set({
      url: next.url,
      description: next.description,
      eventTypes: next.eventTypes,
      disabledAt: next.disabledAt,
      updatedAt: now,
    })
    .where(and(eq(webhookEndpoints.tenantId, row.tenantId), eq(webhookEndpoints.id, row.id)));
  await db.batch([update, insertAuditEvents(db, [event])]);
  return next;
}

/**
 * Deletes the endpoint for every purpose but the record: it leaves every list and lookup, its
 * secrets are wiped, and deliveries still queued find no endpoint and are dropped. The row stays
 * so its attempt records (who was sent what, and when) survive it.
 */
export async function deleteEndpoint(
  db: Database,
  row: EndpointRow,
  origin: Origin,
  now = Date.now(),
): Promise<void> {
  const event = webhookEvent(row, "webhook.deleted", {}, origin, now);
  await db.batch([
    db
      .update(webhookEndpoints)
      .set({
        deletedAt: now,
        disabledAt: row.disabledAt ?? now,
        secretCiphertext: "",
        previousSecretCiphertext: null,
        previousSecretExpiresAt: null,
        updatedAt: now,
      })
      .where(and(eq(webhookEndpoints.tenantId, row.tenantId), eq(webhookEndpoints.id, row.id))),
    insertAuditEvents(db, [event]),
  ]);
}

/**
 * Makes a new current secret; the old one keeps signing until `graceSeconds` from now (none when
 * 0). A secret from an earlier rotation still in its grace period is dropped: at most two sign.
 * The update applies only if nobody rotated meanwhile, so a secret shown to one caller is never
 * silently replaced by a concurrent rotation; the loser gets 409 and its event is withdrawn.
 */
export async function rotateSecret(
  env: Env,
  db: Database,
  row: EndpointRow,
  graceSeconds: number,
  origin: Origin,
  now = Date.now(),
): Promise<{ row: EndpointRow; secret: string }> {
  const secret = generateWebhookSecret();
  const next: EndpointRow = {
    ...row,
    secretCiphertext: await encryptSecret(env, row.id, secret),
    previousSecretCiphertext: graceSeconds > 0 ? row.secretCiphertext : null,
    previousSecretExpiresAt: graceSeconds > 0 ? now + graceSeconds * 1000 : null,
    updatedAt: now,
  };
  const event = webhookEvent(
    next,
    "webhook.secret_rotated",
    {
      previousSecretExpiresAt:
        next.previousSecretExpiresAt === null
          ? null
          : new Date(next.previousSecretExpiresAt).toISOString(),
    },
    origin,
    now,
  );
  const rotate = db
    .update(webhookEndpoints)
    .set({
      secretCiphertext: next.secretCiphertext,
      previousSecretCiphertext: next.previousSecretCiphertext,
      previousSecretExpiresAt: next.previousSecretExpiresAt,
      updatedAt: now,
    })
    .where(
      and(
        eq(webhookEndpoints.tenantId, row.tenantId),
        eq(webhookEndpoints.id, row.id),
        eq(webhookEndpoints.secretCiphertext, row.secretCiphertext),
      ),
    );
  const withdrawIfLost = db.delete(auditEvents).where(
    and(
      eq(auditEvents.id, event.id),
      notExists(
        db
          .select({ id: webhookEndpoints.id })
          .from(webhookEndpoints)
          .where(
            and(
              eq(webhookEndpoints.id, row.id),
              eq(webhookEndpoints.secretCiphertext, next.secretCiphertext),
            ),
          ),
      ),
    ),
  );
  await db.batch([rotate, insertAuditEvents(db, [event]), withdrawIfLost]);

  const after = await requireEndpoint(db, row.tenantId, row.id);
  if (after.secretCiphertext !== next.secretCiphertext) {
    throw new ApiError(
      "concurrent_change",
      "Another request rotated this endpoint's secret at the same time; rotate again if needed.",
    );
  }
  return { row: after, secret };
}

/** The secrets that sign now: the current one, and the previous one while its grace lasts. */
export async function liveSecrets(env: Env, row: EndpointRow, now = Date.now()) {
  const secrets = [await decryptSecret(env, row.id, row.secretCiphertext)];
  if (
    row.previousSecretCiphertext !== null &&
    row.previousSecretExpiresAt !== null &&
    row.previousSecretExpiresAt > now
  ) {
    secrets.push(await decryptSecret(env, row.id, row.previousSecretCiphertext));
  }
  return secrets;
}
