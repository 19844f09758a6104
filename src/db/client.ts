/** The drizzle client over the D1 binding. */
import { drizzle } from "drizzle-orm/d1";
import { schema } from "./schema.ts";

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Database = ReturnType<typeof database>;
