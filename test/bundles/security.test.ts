/** The shared security matrix for the bundle routes and for issuing a link to a bundle. */
import { newId } from "../../src/ids.ts";
import { publish, type TestTenant, utf8 } from "../support/harness.ts";
import { runSecurityMatrix } from "../support/security-matrix.ts";
import { createBundle } from "./support.ts";

const jsonInit = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

async function versionOf(owner: TestTenant): Promise<string> {
  return (await publish(owner, utf8("matrix"), { name: "matrix-bundle-member" })).versionId;
}

runSecurityMatrix({
  name: "POST /v1/bundles",
  scope: "publish",
  prepare: async (owner) => ({
    path: "/bundles",
    init: jsonInit({ name: "matrix", versionIds: [await versionOf(owner)] }),
  }),
  missing: async () => ({
    path: "/bundles",
    init: jsonInit({ name: "matrix", versionIds: [newId("version")] }),
  }),
});

runSecurityMatrix({
  name: "GET /v1/bundles/{bundleId}",
  scope: "publish",
  prepare: async (owner) => {
    const bundle = await createBundle(owner, [await versionOf(owner)]);
    return { path: `/bundles/${bundle.bundleId}` };
  },
  missing: async () => ({ path: `/bundles/${newId("bundle")}` }),
});

runSecurityMatrix({
  name: "POST /v1/links (bundle)",
  scope: "issue",
  prepare: async (owner) => {
    const bundle = await createBundle(owner, [await versionOf(owner)]);
    return { path: "/links", init: jsonInit({ bundleId: bundle.bundleId }) };
  },
  missing: async () => ({ path: "/links", init: jsonInit({ bundleId: newId("bundle") }) }),
});
