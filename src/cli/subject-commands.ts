/**
 * `portcullis subjects put|show|list|deactivate`: the tenant's recipients. A change that revokes
 * links bound to the subject says how many, since those links stopped working just now.
 */
import type { PortcullisClient, Subject, SubjectFilter, SubjectInput } from "../client/index.ts";
import { formatFields, formatTable } from "./format.ts";
import type { Outcome } from "./outcome.ts";

const listed = (values: readonly string[]) => values.join(", ") || "none";

function subjectFields(subject: Subject): [string, string][] {
  const fields: [string, string][] = [["id", subject.id]];
  if (subject.displayName !== null) fields.push(["name", subject.displayName]);
  if (subject.email !== null) fields.push(["email", subject.email]);
  const attributes = Object.entries(subject.attributes).map(([key, value]) => `${key}=${value}`);
  fields.push(
    ["roles", listed(subject.roles)],
    ["attributes", listed(attributes)],
    ["active", subject.active ? "yes" : `no, since ${subject.deactivatedAt ?? "?"}`],
    ["createdAt", subject.createdAt],
    ["updatedAt", subject.updatedAt],
  );
  return fields;
}

/** The subject, and a `linksRevoked` line when the change revoked any link. */
function describeChange(heading: string, subject: Subject, linksRevoked: number, why: string) {
  const fields = subjectFields(subject);
  if (linksRevoked > 0) fields.push(["linksRevoked", `${linksRevoked} (${why})`]);
  return `${heading}\n${formatFields(fields)}`;
}

export async function putSubject(
  client: PortcullisClient,
  subjectId: string,
  input: SubjectInput,
): Promise<Outcome> {
  const change = await client.putSubject(subjectId, input);
  const heading = `${change.created ? "Created" : "Replaced"} subject ${change.subject.id}.`;
  const why = "bound through roles it no longer has";
  return { json: change, text: describeChange(heading, change.subject, change.linksRevoked, why) };
}

export async function showSubject(client: PortcullisClient, subjectId: string): Promise<Outcome> {
  const subject = await client.getSubject(subjectId);
  return { json: subject, text: formatFields(subjectFields(subject)) };
}

export async function listSubjects(
  client: PortcullisClient,
  filter: SubjectFilter,
): Promise<Outcome> {
  const page = await client.listSubjects(filter);
  const rows = page.subjects.map((subject) => [
    subject.id,
    subject.displayName ?? "",
    subject.email ?? "",
    subject.roles.join(","),
    subject.active ? "yes" : "no",
  ]);
  const table = rows.length
    ? formatTable(["id", "name", "email", "roles", "active"], rows)
    : "No subjects match.";
  const more = page.nextCursor ? `\nMore subjects: add --cursor ${page.nextCursor}` : "";
  return { json: page, text: table + more };
}

export async function deactivateSubject(
  client: PortcullisClient,
  subjectId: string,
): Promise<Outcome> {
  const change = await client.deactivateSubject(subjectId);
  const heading = `Deactivated subject ${change.subject.id}.`;
  const why = "every live link bound to the subject";
  return { json: change, text: describeChange(heading, change.subject, change.linksRevoked, why) };
}
