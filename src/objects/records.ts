/**
 * Reading and writing objects and versions in D1, always within one tenant. A version is written
 * together with its object (when new) and its audit event in one D1 batch, so the record and
 * the audit can never disagree.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import { buildAuditEvent, type EventOrigin } from "../audit/events.ts";
import { insertAuditEvents } from "../audit/store.ts";
import type { Database } from "../db/client.ts";
import { objects, versions } from "../db/schema.ts";
import { ApiError } from "../http/problems.ts";
import { newId } from "../ids.ts";
import type { SensitivityClass } from "../policy/classes.ts";
import { loadClassPolicy } from "../policy/store.ts";
import type { VersionBody } from "./schemas.ts";

type VersionRow = typeof versions.$inferSelect;
type ObjectRow = typeof objects.$inferSelect;

export interface VersionWithObject {
  version: VersionRow;
  object: ObjectRow;
}

export function findObjectByName(db: Database, tenantId: string, name: string) {
  return db
    .select()
    .from(objects)
    .where(and(eq(objects.tenantId, tenantId), eq(objects.name, name)))
    .get();
}

/** A version of the caller's tenant, or 404 — the same 404 whether it is foreign or missing. */
export async function requireVersion(
  db: Database,
  tenantId: string,
  versionId: string,
): Promise<VersionWithObject> {
  const row = await db
    .select({ version: versions, object: objects })
    .from(versions)
    .innerJoin(objects, eq(objects.id, versions.objectId))
    .where(and(eq(versions.tenantId, tenantId), eq(versions.id, versionId)))
    .get();
  if (!row) throw new ApiError("not_found", "No such version.");
  return row;
}

export async function listVersions(db: Database, tenantId: string, name: string) {
  const object = await findObjectByName(db, tenantId, name);
  if (!object) throw new ApiError("not_found", "No such object.");
  const rows = await db
    .select()
    .from(versions)
    .where(and(eq(versions.tenantId, tenantId), eq(versions.objectId, object.id)))
    .orderBy(desc(versions.number))
    .all();
  return rows.map((version) => toVersionBody({ version, object }));
}

export interface NewVersion {
  tenantId: string;
  versionId: string;
  objectName: string;
  class: SensitivityClass | undefined;
  storageKey: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  modelVersion: string | null;
  trainingWindow: string | null;
  recipientGroup: string | null;
  labels: Record<string, string>;
}

/**
 * Finds or creates the object, checking its class, before any byte is stored: a publish that
 * would be refused should not upload first.
 */
export async function resolveObjectForPublish(
  db: Database,
  tenantId: string,
  name: string,
  requestedClass: SensitivityClass | undefined,
): Promise<{ existing: ObjectRow | undefined; class: SensitivityClass }> {
  const existing = await findObjectByName(db, tenantId, name);
  if (existing) {
    if (requestedClass && requestedClass !== existing.class) {
      throw new ApiError(
        "object_class_conflict",
        `Object "${name}" is ${existing.class}; publish a new object for another class.`,
        { extensions: { class: existing.class } },
      );
    }
    return { existing, class: existing.class as SensitivityClass };
  }
  if (!requestedClass) {
    throw new ApiError("invalid_request", "A new object needs a class.", {
      extensions: { issues: [{ field: "class", message: "Required for a new object." }] },
    });
  }
  return { existing: undefined, class: requestedClass };
}

export async function insertVersion(
  db: Database,
  input: NewVersion & { class: SensitivityClass },
  origin: EventOrigin & { actor: string },
  now = Date.now(),
): Promise<VersionWithObject> {
  const retention = (await loadClassPolicy(db, input.tenantId, input.class)).retentionSeconds;
  const objectId = newId("object");

  // The object row is created if missing; the version number is computed inside the INSERT so
  // two concurrent publishes of one object cannot take the same number.
  const createObject = db
    .insert(objects)
    .values({
      id: objectId,
      tenantId: input.tenantId,
      name: input.objectName,
      class: input.class,
      createdBy: origin.actor,
      createdAt: now,
    })
    .onConflictDoNothing({ target: [objects.tenantId, objects.name] });

  const objectIdOf = sql`(SELECT ${objects.id} FROM ${objects}
    WHERE ${objects.tenantId} = ${input.tenantId} AND ${objects.name} = ${input.objectName})`;
  const createVersion = db.insert(versions).values({
    id: input.versionId,
    tenantId: input.tenantId,
    objectId: objectIdOf,
    number: sql`COALESCE((SELECT MAX(${versions.number}) FROM ${versions}
      WHERE ${versions.objectId} = ${objectIdOf}), 0) + 1`,
    storageKey: input.storageKey,
    filename: input.filename,
    contentType: input.contentType,
    size: input.size,
    sha256: input.sha256,
    modelVersion: input.modelVersion,
    trainingWindow: input.trainingWindow,
    recipientGroup: input.recipientGroup,
    labels: input.labels,
    publishedBy: origin.actor,
    publishedAt: now,
    retainUntil: retention === null ? null : now + retention * 1000,
  });

  const event = buildAuditEvent(
    {
      tenantId: input.tenantId,
      versionId: input.versionId,
      action: "version.published",
      outcome: "succeeded",
      bytesServed: null,
      detail: { objectName: input.objectName, size: input.size, sha256: input.sha256 },
    },
    origin,
    now,
  );
  await db.batch([createObject, createVersion, insertAuditEvents(db, [event])]);
  return requireVersion(db, input.tenantId, input.versionId);
}

export function toVersionBody({ version, object }: VersionWithObject): VersionBody {
  return {
    versionId: version.id,
    objectName: object.name,
    class: object.class as SensitivityClass,
    number: version.number,
    filename: version.filename,
    contentType: version.contentType,
    size: version.size,
    sha256: version.sha256,
    modelVersion: version.modelVersion,
    trainingWindow: version.trainingWindow,
    recipientGroup: version.recipientGroup,
    labels: version.labels,
    publishedBy: version.publishedBy,
    publishedAt: new Date(version.publishedAt).toISOString(),
    retainUntil: version.retainUntil === null ? null : new Date(version.retainUntil).toISOString(),
    purged: version.purgedAt !== null,
  };
}
