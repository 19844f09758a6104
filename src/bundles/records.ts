/**
 * Bundles in D1: creating one from versions of the caller's tenant (with its audit event, in one
 * batch), reading one back, and describing one as a link target. A bundle stores only its
 * members' version ids in order; entry names, the manifest and the ZIP's length are derived from
 * the immutable versions each time, so they can never drift from what a download produces.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { buildAuditEvent, type EventOrigin } from "../audit/events.ts";
import { insertAuditEvents } from "../audit/store.ts";
import type { Database } from "../db/client.ts";
import { bundleMembers, bundles, objects, versions } from "../db/schema.ts";
import { ApiError } from "../http/problems.ts";
import { newId } from "../ids.ts";
import type { DeliveredBundle } from "../links/model.ts";
import { assertDeliverable, type LinkTarget } from "../links/records.ts";
import type { VersionWithObject } from "../objects/records.ts";
import { CLASSES, type SensitivityClass } from "../policy/classes.ts";
import { entryNames } from "./names.ts";
import type { BundleBody } from "./schemas.ts";
import { canonicalDigest, manifestText, zipLength } from "./zip.ts";

type BundleRow = typeof bundles.$inferSelect;

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_QUERY = 50;
const MEMBER_ROWS_PER_INSERT = 33;

export interface BundleWithMembers {
  bundle: BundleRow;
  /** In ZIP order, each with its entry name. */
  members: (VersionWithObject & { filename: string })[];
}

export interface NewBundle {
  name: string;
  versionIds: readonly string[];
}

/**
 * Creates a bundle of the caller's versions, in the order given. A version that is foreign or
 * missing is the same 404; one whose bytes are gone (or due to go) is 410 `version_purged`.
 */
export async function createBundle(
  db: Database,
  tenantId: string,
  input: NewBundle,
  origin: EventOrigin & { actor: string },
  now = Date.now(),
): Promise<BundleWithMembers> {
  const found = await requireVersions(db, tenantId, input.versionIds);
  for (const { version } of found) assertDeliverable(version, now);

  const bundle: BundleRow = {
    id: newId("bundle"),
    tenantId,
    name: input.name,
    class: mostSensitive(found.map(({ object }) => object.class as SensitivityClass)),
    createdBy: origin.actor,
    createdAt: now,
  };
  const created = withEntryNames(bundle, found);

  const memberRows = found.map(({ version }, position) => ({
    bundleId: bundle.id,
    position,
    versionId: version.id,
  }));
  const memberInserts = chunked(memberRows, MEMBER_ROWS_PER_INSERT).map((rows) =>
    db.insert(bundleMembers).values(rows),
  );
  const event = buildAuditEvent(
    {
      tenantId,
      action: "bundle.created",
      outcome: "succeeded",
      detail: {
        bundleId: bundle.id,
        name: bundle.name,
        class: bundle.class,
        versionIds: [...input.versionIds],
        size: zipLength(deliveredBundle(created)),
      },
    },
    origin,
    now,
  );
  await db.batch([
    db.insert(bundles).values(bundle),
    ...memberInserts,
    insertAuditEvents(db, [event]),
  ]);
  return created;
}

/** A bundle of the caller's tenant, or 404 — the same 404 whether it is foreign or missing. */
export async function requireBundle(
  db: Database,
  tenantId: string,
  bundleId: string,
): Promise<BundleWithMembers> {
  const bundle = await db
    .select()
    .from(bundles)
    .where(and(eq(bundles.tenantId, tenantId), eq(bundles.id, bundleId)))
    .get();
  if (!bundle) throw new ApiError("not_found", "No such bundle.");

  const members = await db
    .select({ version: versions, object: objects })
    .from(bundleMembers)
    .innerJoin(versions, eq(versions.id, bundleMembers.versionId))
    .innerJoin(objects, eq(objects.id, versions.objectId))
    .where(and(eq(bundleMembers.bundleId, bundle.id), eq(versions.tenantId, tenantId)))
    .orderBy(asc(bundleMembers.position))
    .all();
  return withEntryNames(bundle, members);
}

export function deliveredBundle({ bundle, members }: BundleWithMembers): DeliveredBundle {
  return {
    bundleId: bundle.id,
    lastModified: bundle.createdAt,
    members: members.map(({ version, filename }) => ({
      versionId: version.id,
      storageKey: version.storageKey,
      filename,
      size: version.size,
      sha256: version.sha256,
    })),
  };
}

/**
 * The bundle as a link target: `file` describes the ZIP as a whole. Its `sha256` is the digest of
 * the bundle's canonical manifest, the strong ETag's seed — NOT the digest of the ZIP's bytes.
 */
export async function bundleTarget(found: BundleWithMembers): Promise<LinkTarget> {
  const { bundle, members } = found;
  const delivered = deliveredBundle(found);
  return {
    tenantId: bundle.tenantId,
    class: bundle.class as SensitivityClass,
    bundle: delivered,
    versions: members.map(({ version }) => version),
    file: {
      versionId: null,
      objectName: bundle.name,
      versionNumber: null,
      storageKey: "",
      filename: zipFilename(bundle.name),
      contentType: "application/zip",
      size: zipLength(delivered),
      sha256: await canonicalDigest(delivered),
      modelVersion: null,
      trainingWindow: null,
      recipientGroup: null,
      publishedAt: bundle.createdAt,
    },
  };
}

export function toBundleBody(found: BundleWithMembers): BundleBody {
  const { bundle } = found;
  const delivered = deliveredBundle(found);
  return {
    bundleId: bundle.id,
    name: bundle.name,
    class: bundle.class as SensitivityClass,
    size: zipLength(delivered),
    members: delivered.members.map(({ versionId, filename, size, sha256 }) => ({
      versionId,
      filename,
      size,
      sha256,
    })),
    manifest: manifestText(delivered.members),
    createdBy: bundle.createdBy,
    createdAt: new Date(bundle.createdAt).toISOString(),
  };
}

/** `<name>.zip`, without doubling an extension the name already has. */
function zipFilename(name: string): string {
  return /\.zip$/i.test(name) ? name : `${name}.zip`;
}

/** The versions of `tenantId` with these ids, in the order given; any other id is a 404. */
async function requireVersions(
  db: Database,
  tenantId: string,
  ids: readonly string[],
): Promise<VersionWithObject[]> {
  const byId = new Map<string, VersionWithObject>();
  for (const chunk of chunked(ids, IDS_PER_QUERY)) {
    const rows = await db
      .select({ version: versions, object: objects })
      .from(versions)
      .innerJoin(objects, eq(objects.id, versions.objectId))
      .where(and(eq(versions.tenantId, tenantId), inArray(versions.id, chunk)))
      .all();
    for (const row of rows) byId.set(row.version.id, row);
  }
  return ids.map((id, index) => {
    const found = byId.get(id);
    if (!found) {
      // Points at the position, not the id: a foreign id and a missing one answer the same.
      throw new ApiError("not_found", "No such version.", {
        extensions: { issues: [{ field: `versionIds.${index}`, message: "No such version." }] },
      });
    }
    return found;
  });
}

function withEntryNames(bundle: BundleRow, found: VersionWithObject[]): BundleWithMembers {
  const names = entryNames(found.map(({ version }) => version.filename));
  return {
    bundle,
    members: found.map((member, index) => ({
      ...member,
      filename: names[index] ?? member.version.filename,
    })),
  };
}

/** The most sensitive of the classes: public < internal < restricted < patient-linked. */
function mostSensitive(classes: readonly SensitivityClass[]): SensitivityClass {
  const rank = Math.max(...classes.map((name) => CLASSES.indexOf(name)));
  const found = CLASSES[rank];
  if (!found) throw new Error("A bundle needs at least one member with a known class.");
  return found;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
