// Test-only bindings, provided by vitest.config.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    LINK_SIGNING_KEYS: string;
    TEST_FOREIGN_KEYS: string;
    SAMPLE_HRRP_CSV: ArrayBuffer;
    SAMPLE_KERAS_MODEL: ArrayBuffer;
    SAMPLE_SYNTHEA_CSV: ArrayBuffer;
    SAMPLE_MODEL_CARD: ArrayBuffer;
  }
}

// Text files imported whole, as Vite does with `?raw` (docs whose examples the tests run).
declare module "*?raw" {
  const text: string;
  export default text;
}
