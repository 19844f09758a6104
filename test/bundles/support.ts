/** Shared fixtures of the bundle tests: the four sample files published, bundled and linked. */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { api, publish, type TestTenant } from "../support/harness.ts";

/** examples/SHA256SUMS (the same files as ../shared/data), which the samples must match. */
export const SHA256SUMS: Record<string, string> = {
  "FY_2024_Hospital_Readmissions_Reduction_Program_Hospital.csv":
    "912744b8ba86c89ab44f383ff4d1216e7b83fa0eb82515500243df4d43726e23",
  "synthea_encounters.csv": "6061713162e8b03120a7fa42aa107b770bbd0b57ef4a5aaca69d2429549c12f1",
  "diabetes_readmission_nn.keras":
    "9e01e0254400349721212b1b291da4f05a166279d5ef0fd2126e74b0b2ea5828",
  "diabetes_readmission_MODEL_CARD.md":
    "5c84a34f5dfbc28e6a6d4c5a83c247f62566831620670b08b7c1981db3a85bb1",
};

export interface Sample {
  filename: string;
  bytes: Uint8Array;
  class: string;
  contentType: string;
}

/** The four samples with the classes a hospital might give them: the bundle is restricted. */
export function samples(): Sample[] {
  return [
    {
      filename: "FY_2024_Hospital_Readmissions_Reduction_Program_Hospital.csv",
      bytes: new Uint8Array(env.SAMPLE_HRRP_CSV),
      class: "internal",
      contentType: "text/csv",
    },
    {
      filename: "synthea_encounters.csv",
      bytes: new Uint8Array(env.SAMPLE_SYNTHEA_CSV),
      class: "restricted",
      contentType: "text/csv",
    },
    {
      filename: "diabetes_readmission_nn.keras",
      bytes: new Uint8Array(env.SAMPLE_KERAS_MODEL),
      class: "internal",
      contentType: "application/octet-stream",
    },
    {
      filename: "diabetes_readmission_MODEL_CARD.md",
      bytes: new Uint8Array(env.SAMPLE_MODEL_CARD),
      class: "public",
      contentType: "text/markdown",
    },
  ];
}

export interface BundleBody {
  bundleId: string;
  name: string;
  class: string;
  size: number;
  members: { versionId: string; filename: string; size: number; sha256: string }[];
  manifest: string;
  createdBy: string;
  createdAt: string;
}

/** Publishes each sample as its own object and returns the version ids, in sample order. */
export async function publishSamples(tenant: TestTenant, list = samples()): Promise<string[]> {
  const ids: string[] = [];
  for (const sample of list) {
    const version = await publish(tenant, sample.bytes, {
      class: sample.class,
      filename: sample.filename,
      contentType: sample.contentType,
    });
    ids.push(version.versionId);
  }
  return ids;
}

export function postBundle(tenant: TestTenant | string, body: unknown): Promise<Response> {
  return api(tenant, "/bundles", { method: "POST", json: body });
}

export async function createBundle(
  tenant: TestTenant,
  versionIds: string[],
  name = "readmission-pack",
): Promise<BundleBody> {
  const response = await postBundle(tenant, { name, versionIds });
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json<BundleBody>();
}

export interface BundleLink {
  id: string;
  path: string;
  bundleId: string | null;
  versionId: string | null;
  class: string;
}

export async function issueBundleLink(
  tenant: TestTenant,
  bundleId: string,
  terms: Record<string, unknown> = {},
): Promise<BundleLink> {
  const response = await api(tenant, "/links", { method: "POST", json: { bundleId, ...terms } });
  expect(response.status, await response.clone().text()).toBe(201);
  const link = await response.json<Omit<BundleLink, "path"> & { url: string }>();
  return { ...link, path: new URL(link.url).pathname };
}

export async function problem(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  return response.json<{ code: string; status: number; detail: string }>();
}

export async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}
