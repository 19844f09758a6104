/**
 * Two test projects:
 * - `workers`: everything under test/ except test/node, run inside workerd by the Cloudflare
 *   plugin with the real bindings of wrangler.toml (D1, R2, Durable Objects, Queues simulated);
 * - `node`: the CLI and anything else that runs in Node, under test/node.
 *
 * The Worker's secrets are test values made here: a signing key set of two keys (the first signs,
 * both verify), a foreign key set for forgery tests, and the webhook secret encryption key.
 * Sample files reach workerd as data blobs.
 */
import { randomBytes } from "node:crypto";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { exportJWK, generateKeyPair } from "jose";
import { defineConfig } from "vitest/config";

async function signingKey(kid: string) {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: "EdDSA" };
}

const migrations = await readD1Migrations("./migrations");
const signingKeys = { keys: [await signingKey("test-current"), await signingKey("test-previous")] };
const foreignKeys = { keys: [await signingKey("test-current")] };

export default defineConfig({
  test: {
    // Structured logs are printed only for tests that fail, where they help.
    silent: "passed-only",
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: migrations,
                LINK_SIGNING_KEYS: JSON.stringify(signingKeys),
                TEST_FOREIGN_KEYS: JSON.stringify(foreignKeys),
                WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64"),
                // Lets webhook tests deliver to a receiver on 127.0.0.1 over plain http.
                ENVIRONMENT: "development",
              },
              dataBlobBindings: {
                SAMPLE_HRRP_CSV:
                  "./examples/FY_2024_Hospital_Readmissions_Reduction_Program_Hospital.csv",
                SAMPLE_KERAS_MODEL: "./examples/diabetes_readmission_nn.keras",
                SAMPLE_SYNTHEA_CSV: "./examples/synthea_encounters.csv",
                SAMPLE_MODEL_CARD: "./examples/diabetes_readmission_MODEL_CARD.md",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**"],
          setupFiles: ["./test/support/apply-migrations.ts"],
          // A real HTTP receiver for webhook deliveries, on 127.0.0.1 (test/webhooks).
          globalSetup: ["./test/webhooks/receiver-setup.ts"],
        },
      },
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
        },
      },
    ],
  },
});
