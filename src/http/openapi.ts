/** OpenAPI descriptions of the problem responses routes can answer. */
import { z } from "@hono/zod-openapi";

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: "link_used_up" }),
    detail: z.string(),
    requestId: z.string(),
  })
  .passthrough()
  .openapi("Problem");

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (`invalid_request`)",
  401: "Missing or invalid API key (`unauthenticated`)",
  403: "The key lacks the scope (`insufficient_scope`)",
  404: "No such resource in the caller's tenant (`not_found`)",
  409: "Conflict with the existing object (`object_class_conflict`)",
  410: "The link is expired, revoked or used up",
  411: "Content-Length missing (`length_required`)",
  413: "Upload over the size limit (`payload_too_large`)",
  422:
    "Against the class policy (`policy_violation`), an incomplete upload, or an event type " +
    "the endpoint does not take",
  503: "Storage unavailable (`storage_unavailable`)",
};

export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: DESCRIPTIONS[status] ?? "Problem",
        content: { "application/problem+json": { schema: problemSchema } },
      },
    ]),
  );
}
