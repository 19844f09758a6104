/**
 * `portcullis bundle`: group versions into a bundle, delivered under one link as one ZIP, or show
 * a bundle. Both print the same block: what the ZIP is, then its members in ZIP order.
 */
import type { Bundle, PortcullisClient } from "../client/index.ts";
import { formatBytes, formatFields, formatTable } from "./format.ts";
import type { Outcome } from "./outcome.ts";

export async function createBundle(
  client: PortcullisClient,
  args: { name: string; versionIds: readonly string[] },
): Promise<Outcome> {
  const bundle = await client.createBundle(args);
  return { json: bundle, text: describeBundle(bundle) };
}

export async function showBundle(client: PortcullisClient, bundleId: string): Promise<Outcome> {
  const bundle = await client.getBundle(bundleId);
  return { json: bundle, text: describeBundle(bundle) };
}

/** The name recipients save, as the gateway gives it: `.zip` is not doubled. */
function zipName(name: string): string {
  return /\.zip$/i.test(name) ? name : `${name}.zip`;
}

export function describeBundle(bundle: Bundle): string {
  const fields = formatFields([
    ["bundleId", bundle.bundleId],
    ["name", `${bundle.name} (downloads as ${zipName(bundle.name)})`],
    ["class", bundle.class],
    ["size", `${bundle.size} bytes (${formatBytes(bundle.size)}), MANIFEST.sha256 included`],
    ["members", String(bundle.members.length)],
    ["created", `${bundle.createdAt} by ${bundle.createdBy}`],
  ]);
  const rows = bundle.members.map((member, index) => [
    String(index + 1),
    member.versionId,
    formatBytes(member.size),
    member.sha256.slice(0, 12),
    member.filename,
  ]);
  const members = formatTable(["#", "versionId", "size", "sha256", "filename"], rows);
  return `${fields}\n\n${members}`;
}
