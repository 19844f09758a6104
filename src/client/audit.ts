/**
 * The audit export's call, beside the client class, and what a streamed export's headers say
 * about the stretch of the chain it holds.
 */
import type { AuditExportQuery } from "./inputs.ts";
import { type Call, queryParams } from "./transport.ts";

/** An audit export as it streams in. */
export interface AuditExport {
  body: ReadableStream<Uint8Array>;
  chain: "contiguous" | "filtered";
  /** The chain positions the export covers; null when it covers none. */
  range: { first: number; last: number } | null;
}

export function auditExportCall(query: AuditExportQuery): { call: Call; accept: string } {
  return {
    call: { method: "GET", path: "/v1/audit/export", query: queryParams(query) },
    accept: query.format === "csv" ? "text/csv" : "application/x-ndjson",
  };
}

export function auditExportOf(response: Response): AuditExport {
  const range = response.headers.get("Portcullis-Chain-Range")?.split("-").map(Number);
  return {
    body: response.body as ReadableStream<Uint8Array>,
    chain: response.headers.get("Portcullis-Chain") === "filtered" ? "filtered" : "contiguous",
    range: range?.length === 2 ? { first: range[0] ?? 0, last: range[1] ?? 0 } : null,
  };
}
