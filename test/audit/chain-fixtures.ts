/** Exporting a tenant's chain through the API and checking it, for the chain tests. */
import { expect } from "vitest";
import { ChainVerifier } from "../../src/audit/verify.ts";
import { api, type TestTenant } from "../support/harness.ts";

export async function exportLines(tenant: TestTenant, query = ""): Promise<string[]> {
  const response = await api(tenant, `/audit/export${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  const text = await response.text();
  return text.split("\n").filter((line) => line.length > 0);
}

/** Runs the verifier over lines as `portcullis audit verify` runs it over a file: once. */
export async function verifyLines(lines: readonly string[], options = {}) {
  const verifier = new ChainVerifier(options);
  for (const [index, line] of lines.entries()) {
    const problem = await verifier.add(index + 1, line);
    if (problem) return { problem, summary: null };
  }
  return verifier.finish();
}
