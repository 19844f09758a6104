/**
 * `portcullis subjects put` and `subjects list` options, turned into the API's subject and
 * filter. A PUT replaces the whole subject, so `put` insists on its roles: at least one
 * `--role`, or `--no-roles` to say on purpose that the subject has none. Leaving them out by
 * accident would drop every role and revoke the links bound through them.
 */
import type { SubjectFilter, SubjectInput } from "../client/index.ts";
import { parseDistinct, parsePairs, parsePositiveInteger, UsageError } from "./usage.ts";

type Values = Record<string, string | string[] | boolean | undefined>;

export function parseSubjectInput(values: Values): SubjectInput {
  const roles = (values.role as string[] | undefined) ?? [];
  if (roles.length > 0 && values["no-roles"] === true) {
    throw new UsageError("Give --role or --no-roles, not both.");
  }
  if (roles.length === 0 && values["no-roles"] !== true) {
    throw new UsageError(
      "subjects put needs --role ROLE (repeat for several), or --no-roles: " +
        "it replaces the whole subject, roles included.",
    );
  }
  const subject: SubjectInput = {
    roles: parseDistinct("--role", roles),
    attributes: parsePairs("--attr", (values.attr as string[] | undefined) ?? []),
  };
  if (typeof values.email === "string") subject.email = values.email;
  if (typeof values.name === "string") subject.displayName = values.name;
  return subject;
}

export function parseSubjectFilter(values: Values): SubjectFilter {
  if (values.active === true && values.inactive === true) {
    throw new UsageError("Give --active or --inactive, not both.");
  }
  const filter: SubjectFilter = {};
  if (typeof values.role === "string") filter.role = values.role;
  if (values.active === true) filter.active = true;
  if (values.inactive === true) filter.active = false;
  if (typeof values.limit === "string")
    filter.limit = parsePositiveInteger("--limit", values.limit);
  if (typeof values.cursor === "string") filter.cursor = values.cursor;
  return filter;
}
