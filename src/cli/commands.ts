/**
 * What each command does once its arguments are parsed: one client call, then the answer both as
 * JSON (for --json) and as text for people. Only `publish` touches the disk, and it streams.
 */
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import type { ApiKey, Link, PortcullisClient, Version } from "../client/index.ts";
import type { Invocation, PublishArgs } from "./args.ts";
import { guessContentType } from "./content-type.ts";
import {
  formatBytes,
  formatFields,
  formatProgress,
  formatRelative,
  formatTable,
} from "./format.ts";

export interface Outcome {
  json: unknown;
  text: string;
  /** One line for stderr, whichever the output: what the person must not miss. */
  notice?: string;
}

export interface ProgressSink {
  write(text: string): void;
  isTTY?: boolean;
}

/** A problem with a local file: reported like a usage error, before anything is sent. */
export class LocalFileError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "LocalFileError";
    this.code = code;
  }
}

export async function execute(
  client: PortcullisClient,
  invocation: Exclude<Invocation, { command: "help" }>,
  progress: ProgressSink,
): Promise<Outcome> {
  switch (invocation.command) {
    case "publish":
      return publish(client, invocation, progress);
    case "link": {
      const link = await client.issueLink({
        versionId: invocation.versionId,
        ttlSeconds: invocation.ttlSeconds,
        maxUses: invocation.maxUses,
        recipientEmail: invocation.to,
      });
      const fields: [string, string][] = [
        ["id", link.id],
        ["url", link.url],
        ["expiresAt", `${link.expiresAt} (${formatRelative(link.expiresAt)})`],
        ["uses", String(link.maxUses)],
      ];
      if (link.recipientEmail) fields.push(["recipient", link.recipientEmail]);
      return { json: link, text: formatFields(fields) };
    }
    case "revoke": {
      const link = await client.revokeLink(invocation.linkId, invocation.reason);
      return { json: link, text: `Revoked ${link.id}.\n${describeLink(link)}` };
    }
    case "status": {
      const link = await client.getLink(invocation.linkId);
      return { json: link, text: describeLink(link) };
    }
    case "versions": {
      const versions = await client.listVersions(invocation.name);
      return { json: { versions }, text: describeVersions(invocation.name, versions) };
    }
    case "audit": {
      const page = await client.audit(invocation.query);
      const rows = page.events.map((event) => [
        event.occurredAt,
        event.action,
        event.outcome,
        event.reason ?? "",
        event.linkId ?? "",
        event.bytesServed === null ? "" : String(event.bytesServed),
      ]);
      const table = rows.length
        ? formatTable(["time", "action", "outcome", "reason", "link", "bytes"], rows)
        : "No audit events match.";
      const more = page.nextCursor ? `\nMore events: add --cursor ${page.nextCursor}` : "";
      return { json: page, text: table + more };
    }
    case "keys create": {
      const created = await client.createKey({ name: invocation.name, scopes: invocation.scopes });
      return {
        json: created,
        text: formatFields([...keyFields(created), ["key", created.key]]),
        notice: "Store this key now: it is shown only this once and cannot be recovered.",
      };
    }
    case "keys list": {
      const keys = await client.listKeys();
      return { json: { keys }, text: describeKeys(keys) };
    }
    case "keys revoke": {
      const key = await client.revokeKey(invocation.keyId);
      return { json: key, text: `Revoked ${key.id}.\n${formatFields(keyFields(key))}` };
    }
  }
}

async function publish(
  client: PortcullisClient,
  args: PublishArgs,
  progress: ProgressSink,
): Promise<Outcome> {
  const file = await openForUpload(args.file);
  const meter = progress.isTTY ? progressLine(progress) : undefined;
  try {
    const stream = Readable.toWeb(file.handle.createReadStream({ autoClose: false }));
    const version = await client.publish({
      name: args.name,
      class: args.class,
      filename: args.filename ?? basename(args.file),
      contentType: args.contentType ?? guessContentType(args.file),
      modelVersion: args.modelVersion,
      trainingWindow: args.trainingWindow,
      recipientGroup: args.recipientGroup,
      labels: args.labels,
      body: stream as unknown as ReadableStream<Uint8Array>,
      size: file.size,
      onProgress: meter?.update,
    });
    const text = formatFields([
      ["published", `${version.objectName} version ${version.number} (${version.class})`],
      ["versionId", version.versionId],
      ["sha256", version.sha256],
      ["size", `${version.size} bytes (${formatBytes(version.size)})`],
    ]);
    return { json: version, text };
  } finally {
    meter?.clear();
    await file.handle.close();
  }
}

/** Opens FILE once and measures that same open file, so what is sent is what was measured. */
async function openForUpload(path: string) {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new LocalFileError("file_not_found", `${path} does not exist.`);
    throw new LocalFileError("file_unreadable", `${path} cannot be read (${code ?? "error"}).`);
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new LocalFileError("not_a_file", `${path} is not a regular file.`);
  }
  return { handle, size: stats.size };
}

/** Rewrites one stderr line at most ten times a second, and always shows the final count. */
function progressLine(sink: ProgressSink) {
  let last = 0;
  return {
    update(sent: number, total: number) {
      const now = Date.now();
      if (sent < total && now - last < 100) return;
      last = now;
      sink.write(`\r${formatProgress(sent, total)}\u001b[K`);
    },
    clear() {
      sink.write("\r\u001b[K");
    },
  };
}

function describeLink(link: Link): string {
  const fields: [string, string][] = [
    ["id", link.id],
    ["status", link.status],
    ["uses", `${link.usesSpent} of ${link.maxUses} spent, ${link.usesLeft} left`],
    ["expiresAt", `${link.expiresAt} (${formatRelative(link.expiresAt)})`],
    ["version", `${link.versionId} (${link.class})`],
    ["issued", `${link.issuedAt} by ${link.issuedBy}`],
  ];
  if (link.recipientEmail) fields.push(["recipient", link.recipientEmail]);
  if (link.revokedAt) fields.push(["revokedAt", link.revokedAt]);
  return formatFields(fields);
}

function keyFields(key: ApiKey): [string, string][] {
  const fields: [string, string][] = [
    ["id", key.id],
    ["name", key.name],
    ["scopes", key.scopes.join(",")],
    ["createdAt", key.createdBy ? `${key.createdAt} by ${key.createdBy}` : key.createdAt],
  ];
  if (key.revokedAt) fields.push(["revokedAt", key.revokedAt]);
  return fields;
}

function describeKeys(keys: readonly ApiKey[]): string {
  if (keys.length === 0) return "No API keys.";
  const rows = keys.map((key) => [
    key.id,
    key.name,
    key.scopes.join(","),
    key.createdAt,
    key.createdBy ?? "",
    key.revokedAt ?? "",
  ]);
  return formatTable(["id", "name", "scopes", "createdAt", "createdBy", "revokedAt"], rows);
}

function describeVersions(name: string, versions: readonly Version[]): string {
  if (versions.length === 0) return `${name} has no versions.`;
  const rows = versions.map((version) => [
    String(version.number),
    version.versionId,
    version.publishedAt,
    formatBytes(version.size),
    version.sha256.slice(0, 12),
    version.purged ? `${version.filename} (purged)` : version.filename,
  ]);
  return formatTable(["#", "versionId", "publishedAt", "size", "sha256", "filename"], rows);
}
