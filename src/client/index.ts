/**
 * The TypeScript client for the Portcullis v1 API: publish versions and bundle them; issue, read,
 * approve, reject and revoke links, one at a time or in bulk; query the audit log; manage API
 * keys, class policies, subjects (the tenant's recipients) and webhook endpoints
 * (`client.webhooks`, with `verifyWebhook` for receivers). It needs only
 * `fetch`, so it runs in Node, Workers, Deno, Bun and browsers alike; every failure is a
 * {@link PortcullisError} carrying a stable `code`.
 *
 * @example
 * ```ts
 * const portcullis = new PortcullisClient({ baseUrl: "http://127.0.0.1:8787", apiKey });
 * const version = await portcullis.publish({ name: "ward-4", class: "restricted", body, size });
 * const link = await portcullis.issueLink({ versionId: version.versionId, ttlSeconds: 3600 });
 * ```
 */
import type { z } from "zod";
import { type AuditExport, auditExportCall, auditExportOf } from "./audit.ts";
import { meteredBody } from "./body.ts";
import { withoutUrlCredentials } from "./errors.ts";
import type {
  AuditExportQuery,
  AuditQuery,
  CreateBundleInput,
  CreateKeyInput,
  IssueLinkInput,
  PublishInput,
  RevokeLinksInput,
  SubjectFilter,
  SubjectInput,
  SubjectPut,
} from "./inputs.ts";
import {
  type Call,
  type CallOptions,
  type FetchLike,
  queryParams,
  Transport,
} from "./transport.ts";
import {
  type ApiKey,
  type AuditHead,
  type AuditPage,
  apiKeyListSchema,
  apiKeySchema,
  auditHeadSchema,
  auditPageSchema,
  type Bundle,
  bundleSchema,
  type ClassPolicy,
  type CreatedApiKey,
  createdApiKeySchema,
  type IssuedLink,
  type Link,
  linkSchema,
  type RevocationResult,
  revocationResultSchema,
  type SensitivityClass,
  type Subject,
  type SubjectChange,
  type SubjectPage,
  subjectChangeSchema,
  subjectPageSchema,
  subjectSchema,
  type TenantPolicy,
  type TenantSettingsInput,
  tenantPolicySchema,
  type Version,
  versionListSchema,
  versionSchema,
} from "./types.ts";
import { WebhooksClient } from "./webhooks.ts";

export type { AuditExport } from "./audit.ts";
export type { UploadBody } from "./body.ts";
export { type ClientErrorCode, PortcullisError, withoutUrlCredentials } from "./errors.ts";
export * from "./inputs.ts";
export { type CallOptions, type FetchLike, REQUEST_ID_HEADER } from "./transport.ts";
export * from "./types.ts";
export * from "./webhooks.ts";

export interface PortcullisClientOptions {
  /** The gateway's origin, e.g. `https://files.example.org`; a path prefix is kept. */
  baseUrl: string;
  /** `pcl.<id>.<secret>`. Kept in a private field and sent only in the Authorization header. */
  apiKey: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Sent as User-Agent where the runtime allows it; the audit records it. */
  userAgent?: string;
}

const REVOCATION_SELECTORS = ["versionId", "objectName", "subjectId", "everything"] as const;

const issuedLinkSchema = linkSchema.extend({ url: linkSchema.shape.url.unwrap() });

export class PortcullisClient {
  readonly baseUrl: string;
  /** The tenant's webhook endpoints: create, list, rotate secrets, deliveries, replay. */
  readonly webhooks: WebhooksClient;
  readonly #transport: Transport;

  constructor(options: PortcullisClientOptions) {
    if (!URL.canParse(options.baseUrl)) {
      const shown = JSON.stringify(withoutUrlCredentials(options.baseUrl));
      throw new TypeError(`"baseUrl" must be an absolute URL, got ${shown}`);
    }
    const base = new URL(options.baseUrl);
    if (base.username || base.password) {
      // fetch would refuse every call, quoting the URL, password included, in its error.
      base.username = "";
      base.password = "";
      throw new TypeError(
        `"baseUrl" must not hold a user name or password, got ${JSON.stringify(base.href)}`,
      );
    }
    if (typeof options.apiKey !== "string" || options.apiKey.length === 0) {
      throw new TypeError('"apiKey" must be a non-empty string');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    // Bound, because some runtimes refuse a `fetch` called with another `this`.
    const fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#transport = new Transport(this.baseUrl, options.apiKey, fetch, options.userAgent);
    this.webhooks = new WebhooksClient(this.#transport);
  }

  /** Publishes a new immutable version of `name`, streaming `body` to storage. */
  publish(input: PublishInput, options?: CallOptions): Promise<Version> {
    const query = new URLSearchParams();
    if (input.class !== undefined) query.set("class", input.class);
    if (input.filename !== undefined) query.set("filename", input.filename);
    if (input.modelVersion !== undefined) query.set("modelVersion", input.modelVersion);
    if (input.trainingWindow !== undefined) query.set("trainingWindow", input.trainingWindow);
    if (input.recipientGroup !== undefined) query.set("recipientGroup", input.recipientGroup);
    for (const [key, value] of Object.entries(input.labels ?? {})) {
      query.append("label", `${key}=${value}`);
    }

    const body = meteredBody(input.body, input.size, input.onProgress);
    return this.#call(
      versionSchema,
      {
        method: "POST",
        path: `/v1/objects/${encodeURIComponent(input.name)}/versions`,
        query,
        body,
        headers: {
          "Content-Type": input.contentType ?? "application/octet-stream",
          "Content-Length": String(input.size),
        },
      },
      options,
    );
  }

  /** The object's versions, newest first. */
  async listVersions(name: string, options?: CallOptions): Promise<Version[]> {
    const path = `/v1/objects/${encodeURIComponent(name)}/versions`;
    const answer = await this.#call(versionListSchema, { method: "GET", path }, options);
    return answer.versions;
  }

  getVersion(versionId: string, options?: CallOptions): Promise<Version> {
    const path = `/v1/versions/${encodeURIComponent(versionId)}`;
    return this.#call(versionSchema, { method: "GET", path }, options);
  }

  /**
   * Issues a link to a version or a bundle: exactly one of `versionId` and `bundleId`, else a
   * TypeError before anything is sent. Its `url` carries the token and is returned only here:
   * never log it.
   */
  issueLink(input: IssueLinkInput, options?: CallOptions): Promise<IssuedLink> {
    if ((input.versionId === undefined) === (input.bundleId === undefined)) {
      throw new TypeError('Give exactly one of "versionId" and "bundleId"');
    }
    const json = {
      versionId: input.versionId,
      bundleId: input.bundleId,
      ttlSeconds: input.ttlSeconds,
      maxUses: input.maxUses,
      recipientEmail: input.recipientEmail,
      recipientSubjectId: input.recipientSubjectId,
      recipientGroup: input.recipientGroup,
      constraints: input.constraints,
    };
    return this.#call(issuedLinkSchema, { method: "POST", path: "/v1/links", json }, options);
  }

  /** A link's live state (uses spent, status); never its URL. */
  getLink(linkId: string, options?: CallOptions): Promise<Link> {
    const path = `/v1/links/${encodeURIComponent(linkId)}`;
    return this.#call(linkSchema, { method: "GET", path }, options);
  }

  /** Revokes a link at once; its open download sessions end too. */
  revokeLink(linkId: string, reason?: string, options?: CallOptions): Promise<Link> {
    const path = `/v1/links/${encodeURIComponent(linkId)}/revoke`;
    return this.#call(linkSchema, { method: "POST", path, json: { reason } }, options);
  }

  /**
   * Revokes every live link a selector picks (needs the `revoke` scope, and `admin` too for
   * `everything`). Links already inactive are left as they are and counted apart, so repeating
   * the call revokes nothing more. More than one selector, or none, is a TypeError.
   */
  revokeLinks(input: RevokeLinksInput, options?: CallOptions): Promise<RevocationResult> {
    const fields: Record<string, unknown> = input;
    const given = REVOCATION_SELECTORS.filter((name) => fields[name] !== undefined);
    if (given.length !== 1) {
      throw new TypeError(`Give exactly one of ${REVOCATION_SELECTORS.join(", ")}`);
    }
    const call: Call = { method: "POST", path: "/v1/revocations", json: input };
    return this.#call(revocationResultSchema, call, options);
  }

  /**
   * Groups versions into a bundle, delivered under one link as one ZIP (needs the `publish`
   * scope). Its class is the most sensitive of its members'; issue its links with `bundleId`.
   */
  createBundle(input: CreateBundleInput, options?: CallOptions): Promise<Bundle> {
    const json = { name: input.name, versionIds: input.versionIds };
    return this.#call(bundleSchema, { method: "POST", path: "/v1/bundles", json }, options);
  }

  /** A bundle: its members, their entry names in the ZIP, the manifest and the ZIP's length. */
  getBundle(bundleId: string, options?: CallOptions): Promise<Bundle> {
    const path = `/v1/bundles/${encodeURIComponent(bundleId)}`;
    return this.#call(bundleSchema, { method: "GET", path }, options);
  }

  /**
   * Approves a link waiting for approval (needs the `approve` scope). The link's issuer can never
   * approve it: the server refuses with `issuer_cannot_approve`.
   */
  approveLink(linkId: string, note?: string, options?: CallOptions): Promise<Link> {
    return this.#decide(linkId, "approve", note, options);
  }

  /** Rejects a link waiting for approval; nothing can download it afterwards. */
  rejectLink(linkId: string, note?: string, options?: CallOptions): Promise<Link> {
    return this.#decide(linkId, "reject", note, options);
  }

  /** One page of the tenant's audit log, newest first; pass `nextCursor` on for the next. */
  audit(query: AuditQuery = {}, options?: CallOptions): Promise<AuditPage> {
    const call: Call = { method: "GET", path: "/v1/audit", query: queryParams(query) };
    return this.#call(auditPageSchema, call, options);
  }

  /** The head of the tenant's audit hash chain, after sealing what was waiting. */
  auditHead(options?: CallOptions): Promise<AuditHead> {
    return this.#call(auditHeadSchema, { method: "GET", path: "/v1/audit/head" }, options);
  }

  /**
   * Streams the audit chain, oldest first, as NDJSON (each line an event exactly as sealed, for
   * `portcullis audit verify`) or CSV. `chain` is "contiguous" unless filters left gaps.
   */
  async exportAudit(query: AuditExportQuery = {}, options?: CallOptions): Promise<AuditExport> {
    const { call, accept } = auditExportCall(query);
    return auditExportOf(await this.#transport.open(call, accept, options));
  }

  /**
   * Creates an API key (needs the `admin` scope). The answer's `key` is the only copy there will
   * ever be: store it at once, and never log it.
   */
  createKey(input: CreateKeyInput, options?: CallOptions): Promise<CreatedApiKey> {
    const json = { name: input.name, scopes: input.scopes };
    return this.#call(createdApiKeySchema, { method: "POST", path: "/v1/keys", json }, options);
  }

  /** The tenant's API keys, revoked ones included, newest first; never the keys themselves. */
  async listKeys(options?: CallOptions): Promise<ApiKey[]> {
    const answer = await this.#call(apiKeyListSchema, { method: "GET", path: "/v1/keys" }, options);
    return answer.keys;
  }

  /** Revokes an API key at once. The calling key may revoke itself; its next call then fails. */
  revokeKey(keyId: string, options?: CallOptions): Promise<ApiKey> {
    const path = `/v1/keys/${encodeURIComponent(keyId)}/revoke`;
    return this.#call(apiKeySchema, { method: "POST", path }, options);
  }

  /** The effective policy of every class, and whether it is the tenant's or the built-in one. */
  getPolicy(options?: CallOptions): Promise<TenantPolicy> {
    return this.#call(tenantPolicySchema, { method: "GET", path: "/v1/policy" }, options);
  }

  /**
   * Replaces the policy of each class given, whole; other classes stay as they are (needs the
   * `admin` scope). A change governs links issued after it: existing links keep their terms.
   */
  putPolicy(
    classes: Partial<Record<SensitivityClass, ClassPolicy>>,
    options?: CallOptions,
  ): Promise<TenantPolicy> {
    const call: Call = { method: "PUT", path: "/v1/policy", json: { classes } };
    return this.#call(tenantPolicySchema, call, options);
  }

  /**
   * Replaces the tenant's settings, whole: alert thresholds and audit retention, each field left
   * out taking its default (needs the `admin` scope). Class policies stay as they are.
   */
  putSettings(settings: TenantSettingsInput, options?: CallOptions): Promise<TenantPolicy> {
    const call: Call = { method: "PUT", path: "/v1/policy", json: { settings } };
    return this.#call(tenantPolicySchema, call, options);
  }

  /** Returns a class to the built-in policy (needs the `admin` scope). */
  resetPolicy(sensitivityClass: SensitivityClass, options?: CallOptions): Promise<TenantPolicy> {
    const path = `/v1/policy/${encodeURIComponent(sensitivityClass)}`;
    return this.#call(tenantPolicySchema, { method: "DELETE", path }, options);
  }

  /**
   * Creates or replaces a subject, whole, and makes it active (needs the `admin` scope). Live
   * links bound to it through a role the replacement drops are revoked before the answer, which
   * says how many.
   */
  async putSubject(
    subjectId: string,
    input: SubjectInput,
    options?: CallOptions,
  ): Promise<SubjectPut> {
    const json = {
      displayName: input.displayName,
      email: input.email,
      roles: input.roles,
      attributes: input.attributes ?? {},
    };
    const call: Call = { method: "PUT", path: subjectPath(subjectId), json };
    const answer = await this.#send(subjectChangeSchema, call, options);
    return { ...answer.data, created: answer.status === 201 };
  }

  /** A subject, active or not (needs the `admin` scope). */
  getSubject(subjectId: string, options?: CallOptions): Promise<Subject> {
    return this.#call(subjectSchema, { method: "GET", path: subjectPath(subjectId) }, options);
  }

  /** One page of the tenant's subjects in id order; pass `nextCursor` on for the next. */
  listSubjects(filter: SubjectFilter = {}, options?: CallOptions): Promise<SubjectPage> {
    const call: Call = { method: "GET", path: "/v1/subjects", query: queryParams(filter) };
    return this.#call(subjectPageSchema, call, options);
  }

  /**
   * Deactivates a subject (needs the `admin` scope) and revokes every live link bound to it. The
   * subject is kept, inactive, so the audit can still name it; a later `putSubject` reactivates it.
   */
  deactivateSubject(subjectId: string, options?: CallOptions): Promise<SubjectChange> {
    const call: Call = { method: "DELETE", path: subjectPath(subjectId) };
    return this.#call(subjectChangeSchema, call, options);
  }

  #decide(
    linkId: string,
    decision: "approve" | "reject",
    note: string | undefined,
    options: CallOptions | undefined,
  ): Promise<Link> {
    const path = `/v1/links/${encodeURIComponent(linkId)}/${decision}`;
    return this.#call(linkSchema, { method: "POST", path, json: { note } }, options);
  }

  async #call<T>(schema: z.ZodType<T>, call: Call, options?: CallOptions): Promise<T> {
    return (await this.#send(schema, call, options)).data;
  }

  /** Sends a call and parses its answer; the status is for answers whose body does not say. */
  #send<T>(
    schema: z.ZodType<T>,
    call: Call,
    options?: CallOptions,
  ): Promise<{ data: T; status: number }> {
    return this.#transport.send(schema, call, options);
  }
}

/** Subject ids come from identity providers and may hold `|`, `@` or `:`. */
function subjectPath(subjectId: string): string {
  return `/v1/subjects/${encodeURIComponent(subjectId)}`;
}
