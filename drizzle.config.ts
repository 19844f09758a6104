import { defineConfig } from "drizzle-kit";

// Migrations are generated from src/db/schema.ts into migrations/, where wrangler applies them.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
