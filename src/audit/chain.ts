/**
 * The tenant audit hash chain. Each sealed event stores its position (`seq`: 1, 2, 3… in its
 * tenant), the hash of the event before it (`prevHash`) and its own hash: the sha256 of its
 * canonical form, which covers every field of the event, its position, its predecessor's hash
 * and the time it was sealed. Changing, removing or reordering one event therefore breaks either
 * its own hash or the link the next event holds to it.
 *
 * The canonical form is RFC 8785 (JSON Canonicalization Scheme) of a fixed object, so the Worker
 * that seals and the CLI that verifies, on different runtimes, compute the same bytes. It carries
 * a format number so a future change of the form can be told apart from tampering.
 */
import canonicalize from "canonicalize";
import type { AuditEvent } from "./events.ts";

export const CHAIN_FORMAT = 1;

/** The `prevHash` of a tenant's first event. */
export const GENESIS_HASH = "0".repeat(64);

export interface ChainPosition {
  seq: number;
  prevHash: string;
  sealedAt: number;
}

export function canonicalForm(event: AuditEvent, position: ChainPosition): string {
  const form = canonicalize({
    format: CHAIN_FORMAT,
    seq: position.seq,
    prevHash: position.prevHash,
    sealedAt: position.sealedAt,
    id: event.id,
    occurredAt: event.occurredAt,
    tenantId: event.tenantId,
    linkId: event.linkId,
    versionId: event.versionId,
    action: event.action,
    outcome: event.outcome,
    reason: event.reason,
    actor: event.actor,
    actorKeyId: event.actorKeyId,
    clientIp: event.clientIp,
    country: event.country,
    userAgent: event.userAgent,
    bytesServed: event.bytesServed,
    requestId: event.requestId,
    detail: event.detail,
  });
  if (form === undefined) throw new Error("audit event has no canonical form");
  return form;
}

export async function chainHash(event: AuditEvent, position: ChainPosition): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalForm(event, position));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
