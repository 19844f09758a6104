/**
 * Which events an endpoint receives: exact audit actions (`link.revoked`), a family of them by
 * prefix (`alert.*`), or everything (`*`). A pattern must name at least one action that exists,
 * so a typo is refused when the endpoint is registered rather than silently matching nothing.
 */
import { z } from "@hono/zod-openapi";
import { AUDIT_ACTIONS } from "../audit/events.ts";

const PREFIXES = new Set(AUDIT_ACTIONS.map((action) => action.slice(0, action.indexOf("."))));

function isKnownPattern(pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return PREFIXES.has(pattern.slice(0, -2));
  return (AUDIT_ACTIONS as readonly string[]).includes(pattern);
}

export const eventTypeSchema = z.string().max(64).refine(isKnownPattern, {
  message: "Not an audit action, a known family like 'alert.*', or '*'.",
});

export const eventTypesSchema = z
  .array(eventTypeSchema)
  .min(1, "Give at least one event type.")
  .max(50, "At most 50 event types.")
  .refine((types) => new Set(types).size === types.length, "Each event type may be given once.")
  .refine(
    (types) => !types.includes("*") || types.length === 1,
    "'*' already means every event: give it alone.",
  )
  .openapi({
    description:
      "Audit actions the endpoint receives: exact ones (`link.revoked`), families by prefix " +
      "(`alert.*`), or `*` for every event.",
    example: ["link.revoked", "alert.*"],
  });

export function matchesEventType(patterns: readonly string[], action: string): boolean {
  return patterns.some(
    (pattern) =>
      pattern === "*" ||
      pattern === action ||
      (pattern.endsWith(".*") && action.startsWith(pattern.slice(0, -1))),
  );
}
