/**
 * Applying a class policy to a link request: defaults fill what the issuer left out, and anything
 * beyond a maximum, a missing recipient where identity is required, or a missing mandatory
 * constraint is refused with `policy_violation` naming the rule — never silently clamped, so the
 * issuer always knows what the recipient will get.
 */
import { ApiError } from "../http/problems.ts";
import type { LinkConstraints } from "../links/constraints.ts";
import type { ClassPolicy, SensitivityClass } from "./classes.ts";

export interface LinkRequestTerms {
  ttlSeconds?: number | undefined;
  maxUses?: number | undefined;
  bound: boolean;
  constraints: LinkConstraints;
}

export interface LinkTerms {
  ttlSeconds: number;
  maxUses: number;
}

function violation(
  sensitivityClass: SensitivityClass,
  rule: string,
  allowed: unknown,
  detail: string,
): ApiError {
  return new ApiError("policy_violation", detail, {
    extensions: { rule, allowed, class: sensitivityClass },
  });
}

export function resolveLinkTerms(
  sensitivityClass: SensitivityClass,
  policy: ClassPolicy,
  requested: LinkRequestTerms,
): LinkTerms {
  const ttlSeconds = requested.ttlSeconds ?? policy.defaultTtlSeconds;
  const maxUses = requested.maxUses ?? policy.defaultUses;

  if (ttlSeconds > policy.maxTtlSeconds) {
    throw violation(
      sensitivityClass,
      "max_ttl_seconds",
      policy.maxTtlSeconds,
      `Links to ${sensitivityClass} files may last at most ${policy.maxTtlSeconds} seconds.`,
    );
  }
  if (maxUses > policy.maxUses) {
    throw violation(
      sensitivityClass,
      "max_uses",
      policy.maxUses,
      `Links to ${sensitivityClass} files may allow at most ${policy.maxUses} uses.`,
    );
  }
  if (policy.identityRequired && !requested.bound) {
    throw violation(
      sensitivityClass,
      "identity_required",
      ["recipientEmail", "recipientSubjectId", "recipientGroup"],
      `Links to ${sensitivityClass} files must name their recipient.`,
    );
  }
  for (const name of policy.requiredConstraints) {
    if (requested.constraints[name] === undefined) {
      throw violation(
        sensitivityClass,
        "required_constraint",
        name,
        `Links to ${sensitivityClass} files must carry the "${name}" constraint.`,
      );
    }
  }
  return { ttlSeconds, maxUses };
}
