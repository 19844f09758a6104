/**
 * What the client's methods take: publish and link options, bundles, bulk revocation selectors,
 * subjects and query filters. Plain types, checked by the API; the client refuses only what it
 * cannot send at all (two link targets, two revocation selectors) with a TypeError.
 */
import type { UploadBody } from "./body.ts";
import type { ApiKeyScope, LinkConstraints, SensitivityClass, SubjectChange } from "./types.ts";

export interface PublishInput {
  /** The object name: 1-128 letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Required when the object is new; otherwise it must match the object's class. */
  class?: SensitivityClass;
  /** The file name recipients see; defaults to the object name. */
  filename?: string;
  contentType?: string;
  modelVersion?: string;
  trainingWindow?: string;
  recipientGroup?: string;
  labels?: Record<string, string>;
  body: UploadBody;
  /** Exact byte length of `body`; sent as Content-Length, which the API requires. */
  size: number;
  /** Called as bytes are handed to the connection, from (0, size) to (size, size). */
  onProgress?: (sent: number, total: number) => void;
}

/** What a link delivers: exactly one version, or one bundle as a ZIP. */
export type LinkTarget =
  | { versionId: string; bundleId?: undefined }
  | { bundleId: string; versionId?: undefined };

export type IssueLinkInput = LinkTarget & IssueLinkOptions;

export interface IssueLinkOptions {
  /** Defaults to the class default; beyond the class maximum is refused (`policy_violation`). */
  ttlSeconds?: number;
  maxUses?: number;
  /** Binds the link to one recipient identity. */
  recipientEmail?: string;
  /** Binds the link to one subject, a recipient known to the tenant. */
  recipientSubjectId?: string;
  /** Binds the link to the members of a group (a subject role). */
  recipientGroup?: string;
  /** Where and when the link may be opened. */
  constraints?: LinkConstraints;
}

export interface CreateBundleInput {
  /** The ZIP downloads as `<name>.zip`: 1-128 characters, no `/`, `\` or control characters. */
  name: string;
  /** 1-100 version ids, each at most once, in the order the ZIP will hold them. */
  versionIds: readonly string[];
}

/** The phrase `revokeLinks({ everything: true })` must carry, so it never happens by accident. */
export const REVOKE_ALL_CONFIRMATION = "revoke all links";

/** Which links a bulk revocation selects: exactly one of these. */
export type RevocationSelector =
  /** Links to the version, and links to bundles that hold it. */
  | { versionId: string }
  /** Links to any version of the object, bundles included. */
  | { objectName: string }
  /** Links bound to the subject. */
  | { subjectId: string }
  /** Every link of the tenant; needs the `admin` scope as well. */
  | { everything: true; confirm: typeof REVOKE_ALL_CONFIRMATION };

/** A selector, and why: the note (1-200 characters) is kept in every revoked link's audit. */
export type RevokeLinksInput = RevocationSelector & { note?: string };

/** A subject as PUT replaces it, whole: what is left out becomes null or empty. */
export interface SubjectInput {
  displayName?: string;
  /** Stored in lower case, as link bindings are. */
  email?: string;
  /** Compared verbatim with a link's `recipientGroup`; each at most once. */
  roles: readonly string[];
  /** Names are a letter, then letters, digits, `_`, `.`, `-`; at most 50. */
  attributes?: Record<string, string>;
}

/** The answer to `putSubject`: the change, and whether it created the subject. */
export type SubjectPut = SubjectChange & { created: boolean };

export interface SubjectFilter {
  /** Only subjects holding this role. */
  role?: string;
  /** Only active (true) or deactivated (false) subjects. */
  active?: boolean;
  /** 1-200; the server defaults to 50. */
  limit?: number;
  /** `nextCursor` from the previous page. */
  cursor?: string;
}

export interface AuditQuery {
  linkId?: string;
  versionId?: string;
  action?: string;
  outcome?: string;
  /** Only the event at this position of the tenant's audit chain. */
  seq?: number;
  /** Inclusive start. */
  from?: Date | string;
  /** Exclusive end. */
  to?: Date | string;
  /** 1-500; the server defaults to 50. */
  limit?: number;
  /** `nextCursor` from the previous page. */
  cursor?: string;
}

/** What `exportAudit` streams: a time range of sealing times, and optional filters. */
export interface AuditExportQuery {
  format?: "ndjson" | "csv";
  since?: string | Date;
  until?: string | Date;
  linkId?: string;
  versionId?: string;
  action?: string;
  outcome?: string;
}

export interface CreateKeyInput {
  /** The person or service the key belongs to, 1-100 characters; the audit names it as actor. */
  name: string;
  /** At least one, each at most once. */
  scopes: readonly ApiKeyScope[];
}
