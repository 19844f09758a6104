/**
 * What each command does once its arguments are parsed: a client call, then the answer both as
 * JSON (for --json) and as text for people. Only `publish` and `policy set --file` touch the
 * disk, and `publish` streams; only `revoke --everything` asks a question.
 */
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import type { ApiKey, Link, LinkConstraints, PortcullisClient, Version } from "../client/index.ts";
import type { Invocation, PublishArgs } from "./args.ts";
import { exportAudit, listAudit, showAuditHead, verifyAuditFile } from "./audit-commands.ts";
import { createBundle, showBundle } from "./bundle-commands.ts";
import { guessContentType } from "./content-type.ts";
import {
  formatBytes,
  formatFields,
  formatProgress,
  formatRelative,
  formatTable,
} from "./format.ts";
import { LocalFileError, NotConfirmedError, type Outcome, type Prompt } from "./outcome.ts";
import { resetPolicy, setPolicy, showPolicy } from "./policy-commands.ts";
import { revokeInBulk } from "./revoke-commands.ts";
import { setSettings } from "./settings-commands.ts";
import { deactivateSubject, listSubjects, putSubject, showSubject } from "./subject-commands.ts";
import { executeWebhookCommand } from "./webhook-commands.ts";

export { LocalFileError, NotConfirmedError, type Outcome, type Prompt };

export interface ProgressSink {
  write(text: string): void;
  isTTY?: boolean;
}

/** Where a command reports progress (stderr) and asks questions (stdin, when a terminal). */
export interface Terminal {
  stderr: ProgressSink;
  stdin?: Prompt;
}

export async function execute(
  client: PortcullisClient,
  invocation: Exclude<Invocation, { command: "help" }>,
  terminal: Terminal,
): Promise<Outcome> {
  switch (invocation.command) {
    case "publish":
      return publish(client, invocation, terminal.stderr);
    case "bundle":
      return invocation.bundleId === undefined
        ? createBundle(client, invocation)
        : showBundle(client, invocation.bundleId);
    case "link": {
      const target =
        invocation.bundleId === undefined
          ? { versionId: invocation.versionId }
          : { bundleId: invocation.bundleId };
      const link = await client.issueLink({
        ...target,
        ttlSeconds: invocation.ttlSeconds,
        maxUses: invocation.maxUses,
        recipientEmail: invocation.to,
        recipientSubjectId: invocation.subject,
        recipientGroup: invocation.group,
        constraints: invocation.constraints,
      });
      const fields: [string, string][] = [
        ["id", link.id],
        ["url", link.url],
        ["expiresAt", `${link.expiresAt} (${formatRelative(link.expiresAt)})`],
        ["uses", String(link.maxUses)],
        ...(link.bundleId
          ? [["bundle", `${link.bundleId} (${link.class})`] as [string, string]]
          : []),
        ...recipientFields(link),
        ...constraintFields(invocation.constraints),
      ];
      if (link.status === "pending_approval") {
        fields.push(["status", link.status], ["approval", describeApproval(link)]);
        return {
          json: link,
          text: formatFields(fields),
          notice:
            "Nothing downloads until someone else with the approve scope runs: " +
            `portcullis approve ${link.id}`,
        };
      }
      return { json: link, text: formatFields(fields) };
    }
    case "approve": {
      const link = await client.approveLink(invocation.linkId, invocation.note);
      return { json: link, text: `Approved ${link.id}.\n${describeLink(link)}` };
    }
    case "reject": {
      const link = await client.rejectLink(invocation.linkId, invocation.note);
      return { json: link, text: `Rejected ${link.id}.\n${describeLink(link)}` };
    }
    case "revoke": {
      if (invocation.linkId === undefined) {
        return revokeInBulk(client, invocation, terminal.stdin);
      }
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
    case "audit list":
      return listAudit(client, invocation.query);
    case "audit head":
      return showAuditHead(client);
    case "audit export":
      return exportAudit(client, invocation, terminal.stderr);
    case "audit verify":
      return verifyAuditFile(invocation, client);
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
    case "policy show":
      return showPolicy(client);
    case "policy set":
      return setPolicy(client, invocation);
    case "policy reset":
      return resetPolicy(client, invocation.class);
    case "policy settings":
      return setSettings(client, invocation);
    case "subjects put":
      return putSubject(client, invocation.subjectId, invocation.subject);
    case "subjects show":
      return showSubject(client, invocation.subjectId);
    case "subjects list":
      return listSubjects(client, invocation.filter);
    case "webhooks create":
    case "webhooks list":
    case "webhooks get":
    case "webhooks update":
    case "webhooks delete":
    case "webhooks rotate-secret":
    case "webhooks deliveries":
    case "webhooks replay":
      return executeWebhookCommand(client, invocation);
    case "subjects deactivate":
      return deactivateSubject(client, invocation.subjectId);
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

function recipientFields(link: Link): [string, string][] {
  const fields: [string, string][] = [];
  if (link.recipientEmail) fields.push(["recipient", link.recipientEmail]);
  if (link.recipientSubjectId) fields.push(["subject", link.recipientSubjectId]);
  if (link.recipientGroup) fields.push(["group", link.recipientGroup]);
  return fields;
}

/** The constraints the link was issued with (the API answer does not repeat them). */
function constraintFields(constraints: LinkConstraints | undefined): [string, string][] {
  const fields: [string, string][] = [];
  if (constraints?.ipRanges) fields.push(["addresses", constraints.ipRanges.join(", ")]);
  if (constraints?.countries) fields.push(["countries", constraints.countries.join(", ")]);
  const hours = constraints?.hours;
  if (hours) {
    fields.push(["hours", `${hours.days.join(",")} ${hours.from}-${hours.to} ${hours.timeZone}`]);
  }
  return fields;
}

function describeApproval(link: Link): string {
  const { approval } = link;
  switch (approval.status) {
    case "pending":
      return approval.expiresAt
        ? `pending, lapses ${approval.expiresAt} (${formatRelative(approval.expiresAt)})`
        : "pending";
    case "approved":
    case "rejected":
      return `${approval.status} by ${approval.decidedBy ?? "?"} at ${approval.decidedAt ?? "?"}`;
    case "not_required":
      return "not required";
  }
}

function describeLink(link: Link): string {
  const delivers: [string, string] = link.versionId
    ? ["version", `${link.versionId} (${link.class})`]
    : ["bundle", `${link.bundleId ?? "?"} (${link.class})`];
  const fields: [string, string][] = [
    ["id", link.id],
    ["status", link.status],
    ["uses", `${link.usesSpent} of ${link.maxUses} spent, ${link.usesLeft} left`],
    ["expiresAt", `${link.expiresAt} (${formatRelative(link.expiresAt)})`],
    delivers,
    ["issued", `${link.issuedAt} by ${link.issuedBy}`],
    ...recipientFields(link),
  ];
  if (link.approval.status !== "not_required") {
    fields.push(["approval", describeApproval(link)]);
  }
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
