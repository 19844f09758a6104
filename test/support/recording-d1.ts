/**
 * A D1 binding that remembers every statement prepared through it, with the values bound, so a
 * test can ask SQLite how it would run the exact queries the code sent.
 */
export interface RecordedStatement {
  sql: string;
  params: unknown[];
}

export function recordingD1(real: D1Database, log: RecordedStatement[]): D1Database {
  return new Proxy(real, {
    get(target, property) {
      if (property === "prepare") {
        return (sql: string) => {
          const entry: RecordedStatement = { sql, params: [] };
          log.push(entry);
          return recordBinds(target.prepare(sql), entry);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function recordBinds(statement: D1PreparedStatement, entry: RecordedStatement) {
  return new Proxy(statement, {
    get(target, property) {
      if (property === "bind") {
        return (...params: unknown[]) => {
          entry.params = params;
          // A bound statement is the real one: D1's batch() accepts only its own statements.
          return target.bind(...params);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** SQLite's plan for a recorded statement, one line per step, as `EXPLAIN QUERY PLAN` words it. */
export async function queryPlan(db: D1Database, statement: RecordedStatement): Promise<string[]> {
  const plan = await db
    .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
    .bind(...statement.params)
    .all<{ detail: string }>();
  return plan.results.map((row) => row.detail);
}
