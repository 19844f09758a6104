/**
 * The delivery history stays fast however many attempts an endpoint piles up: SQLite's plan for
 * each query the webhook code sends reads an index from the tenant onwards and never sorts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import {
  alreadyDelivered,
  endpointQuietUntil,
  endpointsWithAttempts,
  listAttempts,
} from "../../src/webhooks/attempts.ts";
import { queryPlan, type RecordedStatement, recordingD1 } from "../support/recording-d1.ts";

const TENANT = "ten_aaaaaaaaaaaaaaaaaaaaaa";
const ENDPOINT = "whk_aaaaaaaaaaaaaaaaaaaaaa";
const EVENT = "evt_aaaaaaaaaaaaaaaaaaaaaa";

const EVENT_LOOKUP = new RegExp(
  "^SEARCH webhook_deliveries USING (COVERING )?INDEX " +
    String.raw`webhook_deliveries_event_endpoint \(tenant_id=\? AND event_id=\?`,
);

/** Runs `query` with a recording D1 and answers SQLite's plan for the one statement it sent. */
async function planOf(query: (db: ReturnType<typeof database>) => Promise<unknown>) {
  const log: RecordedStatement[] = [];
  await query(database(recordingD1(env.DB, log)));
  expect(log).toHaveLength(1);
  const [statement] = log;
  if (!statement) throw new Error("no statement was sent");
  return queryPlan(env.DB, statement);
}

describe("webhook delivery queries", () => {
  it("a page of an endpoint's attempts is one ordered index range from its cursor", async () => {
    const first = await planOf((db) => listAttempts(db, TENANT, ENDPOINT, { limit: 50 }));
    expect(first).toEqual([
      "SEARCH webhook_deliveries USING INDEX webhook_deliveries_endpoint_time " +
        "(tenant_id=? AND endpoint_id=?)",
    ]);

    const later = await planOf((db) =>
      listAttempts(db, TENANT, ENDPOINT, { limit: 50, after: [Date.now(), "dlv_x"] }),
    );
    expect(later).toEqual([
      "SEARCH webhook_deliveries USING INDEX webhook_deliveries_endpoint_time " +
        "(tenant_id=? AND endpoint_id=? AND (attempted_at,id)<(?,?))",
    ]);
  });

  it("the cool-down reads only the endpoint's newest attempt, without a sort", async () => {
    const plan = await planOf((db) => endpointQuietUntil(db, TENANT, ENDPOINT, () => 1000));
    expect(plan).toEqual([
      "SEARCH webhook_deliveries USING INDEX webhook_deliveries_endpoint_time " +
        "(tenant_id=? AND endpoint_id=?)",
    ]);
  });

  it("duplicate checks read one event's attempts, not the endpoint's whole history", async () => {
    for (const query of [
      (db: ReturnType<typeof database>) => alreadyDelivered(db, TENANT, ENDPOINT, EVENT),
      (db: ReturnType<typeof database>) => endpointsWithAttempts(db, TENANT, EVENT, [ENDPOINT]),
    ]) {
      const plan = await planOf(query);
      expect(plan[0]).toMatch(EVENT_LOOKUP);
      expect(plan.join("\n")).not.toMatch(/ORDER BY/);
    }
  });
});
