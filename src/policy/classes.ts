/**
 * Sensitivity classes and the fixed policy each one imposes on links and versions.
 *
 * The table is deliberately conservative: the more sensitive the class, the shorter and narrower
 * its links. A request that exceeds a maximum is refused with `policy_violation` rather than
 * silently clamped, so the issuer always knows what the recipient will get.
 */
import { z } from "zod";
import { ApiError } from "../http/problems.ts";

export const CLASSES = ["public", "internal", "restricted", "patient-linked"] as const;
export const classSchema = z.enum(CLASSES);
export type SensitivityClass = z.infer<typeof classSchema>;

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface ClassPolicy {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
  defaultUses: number;
  maxUses: number;
  /** How long a confirmed download may be fetched, resumed or ranged without another use. */
  sessionGraceSeconds: number;
  /** How long published bytes are kept before the retention sweep purges them; null = forever. */
  retentionSeconds: number | null;
  /** Shown to recipients on the landing page. */
  summary: string;
}

export const CLASS_POLICIES: Record<SensitivityClass, ClassPolicy> = {
  public: {
    defaultTtlSeconds: 7 * DAY,
    maxTtlSeconds: 30 * DAY,
    defaultUses: 100,
    maxUses: 10_000,
    sessionGraceSeconds: 30 * MINUTE,
    retentionSeconds: null,
    summary:
      "This file is public information. The link still expires and every download is logged.",
  },
  internal: {
    defaultTtlSeconds: DAY,
    maxTtlSeconds: 7 * DAY,
    defaultUses: 5,
    maxUses: 100,
    sessionGraceSeconds: 30 * MINUTE,
    retentionSeconds: 365 * DAY,
    summary: "This file is for internal use only. Do not forward it; every download is logged.",
  },
  restricted: {
    defaultTtlSeconds: DAY,
    maxTtlSeconds: 3 * DAY,
    defaultUses: 1,
    maxUses: 5,
    sessionGraceSeconds: 30 * MINUTE,
    retentionSeconds: 90 * DAY,
    summary:
      "This file is restricted. Store it only where your organisation allows; every download is logged.",
  },
  "patient-linked": {
    defaultTtlSeconds: 4 * HOUR,
    maxTtlSeconds: DAY,
    defaultUses: 1,
    maxUses: 1,
    sessionGraceSeconds: 30 * MINUTE,
    retentionSeconds: 30 * DAY,
    summary:
      "This file contains patient-level data. It may be downloaded once, by its intended recipient, " +
      "and must be handled under your organisation's rules for protected health information.",
  },
};

export interface LinkTerms {
  ttlSeconds: number;
  maxUses: number;
}

/** Applies the class defaults to what the issuer asked for, refusing anything over a maximum. */
export function resolveLinkTerms(
  sensitivityClass: SensitivityClass,
  requested: { ttlSeconds?: number | undefined; maxUses?: number | undefined },
): LinkTerms {
  const policy = CLASS_POLICIES[sensitivityClass];
  const ttlSeconds = requested.ttlSeconds ?? policy.defaultTtlSeconds;
  const maxUses = requested.maxUses ?? policy.defaultUses;

  if (ttlSeconds > policy.maxTtlSeconds) {
    throw new ApiError(
      "policy_violation",
      `Links to ${sensitivityClass} files may last at most ${policy.maxTtlSeconds} seconds.`,
      {
        extensions: {
          rule: "max_ttl_seconds",
          allowed: policy.maxTtlSeconds,
          class: sensitivityClass,
        },
      },
    );
  }
  if (maxUses > policy.maxUses) {
    throw new ApiError(
      "policy_violation",
      `Links to ${sensitivityClass} files may allow at most ${policy.maxUses} uses.`,
      { extensions: { rule: "max_uses", allowed: policy.maxUses, class: sensitivityClass } },
    );
  }
  return { ttlSeconds, maxUses };
}
