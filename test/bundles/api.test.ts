/**
 * `POST /v1/bundles`, `GET /v1/bundles/{id}` and `POST /v1/links` with `{ bundleId }`: what a
 * bundle holds, which class governs it, and every way a request for one is refused.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { versions } from "../../src/db/schema.ts";
import { addKey, api, flushAudit, publish, seedTenant, utf8 } from "../support/harness.ts";
import {
  type BundleBody,
  createBundle,
  issueBundleLink,
  postBundle,
  problem,
  publishSamples,
  SHA256SUMS,
  samples,
} from "./support.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Marks a version as the retention sweep leaves it: bytes gone, record kept. */
async function markPurged(versionId: string): Promise<void> {
  await database(env.DB)
    .update(versions)
    .set({ purgedAt: Date.now() })
    .where(eq(versions.id, versionId));
}

describe("POST /v1/bundles", () => {
  it("answers 201 with members in order, entry names, manifest and ZIP size", async () => {
    const tenant = await seedTenant();
    const versionIds = await publishSamples(tenant);
    const response = await postBundle(tenant, { name: "readmission-pack", versionIds });
    expect(response.status).toBe(201);
    const bundle = await response.json<BundleBody>();

    expect(bundle.bundleId).toMatch(/^bdl_[A-Za-z0-9_-]{22}$/);
    expect(bundle).toMatchObject({ name: "readmission-pack", createdBy: tenant.principal });
    expect(bundle.members.map((member) => member.versionId)).toEqual(versionIds);
    for (const [index, sample] of samples().entries()) {
      expect(bundle.members[index]).toEqual({
        versionId: versionIds[index],
        filename: sample.filename,
        size: sample.bytes.byteLength,
        sha256: SHA256SUMS[sample.filename],
      });
    }
    expect(bundle.manifest).toBe(
      bundle.members.map((member) => `${member.sha256}  ${member.filename}\n`).join(""),
    );
    // Per entry: local header (30) + name + data + data descriptor (16), central header (46) +
    // name; then the end of central directory (22). No ZIP64 records below 4 GiB.
    const entries = [
      { name: "MANIFEST.sha256", size: bundle.manifest.length },
      ...bundle.members.map((member) => ({ name: member.filename, size: member.size })),
    ];
    const expectedSize = entries.reduce(
      (total, entry) => total + 30 + 16 + 46 + 2 * utf8(entry.name).byteLength + entry.size,
      22,
    );
    expect(bundle.size).toBe(expectedSize);
  });

  it("names clashes deterministically: the second report.csv is report (2).csv", async () => {
    const tenant = await seedTenant();
    const first = await publish(tenant, utf8("a\n1\n"), { filename: "report.csv" });
    const second = await publish(tenant, utf8("a\n2\n"), { filename: "report.csv" });
    const bundle = await createBundle(tenant, [first.versionId, second.versionId]);

    expect(bundle.members.map((member) => member.filename)).toEqual([
      "report.csv",
      "report (2).csv",
    ]);
  });

  it.each([
    [["public"], "public"],
    [["public", "internal"], "internal"],
    [["restricted", "internal"], "restricted"],
    [["internal", "patient-linked", "restricted"], "patient-linked"],
  ])("members of classes %j make a %s bundle", async (classes, expected) => {
    const tenant = await seedTenant();
    const versionIds = [];
    for (const sensitivityClass of classes) {
      const version = await publish(tenant, utf8(sensitivityClass), { class: sensitivityClass });
      versionIds.push(version.versionId);
    }

    expect((await createBundle(tenant, versionIds)).class).toBe(expected);
  });

  it("records bundle.created in the audit, with the members and the actor", async () => {
    const tenant = await seedTenant();
    const versionIds = await publishSamples(tenant);
    const bundle = await createBundle(tenant, versionIds);

    const response = await api(tenant, "/audit?action=bundle.created");
    const { events } = await response.json<{ events: Record<string, unknown>[] }>();
    expect(events).toEqual([
      expect.objectContaining({
        actor: tenant.principal,
        outcome: "succeeded",
        versionId: null,
        detail: {
          bundleId: bundle.bundleId,
          name: bundle.name,
          class: "restricted",
          versionIds,
          size: bundle.size,
        },
      }),
    ]);
  });
});

describe("POST /v1/bundles refuses", () => {
  const version = (n: number) => `ver_${String(n).padStart(22, "0")}`;

  it.each([
    ["an empty list", { name: "pack", versionIds: [] }, "versionIds"],
    [
      "more than 100 versions",
      { name: "pack", versionIds: [...Array(101).keys()].map(version) },
      "versionIds",
    ],
    [
      "a version listed twice",
      { name: "pack", versionIds: [version(1), version(2), version(1)] },
      "versionIds.2",
    ],
    ["a malformed version id", { name: "pack", versionIds: ["ver_short"] }, "versionIds.0"],
    ["a missing name", { versionIds: [version(1)] }, "name"],
    ["a name with a path separator", { name: "../pack", versionIds: [version(1)] }, "name"],
    ["a name of dots", { name: "..", versionIds: [version(1)] }, "name"],
    ["an unknown field", { name: "pack", versionIds: [version(1)], class: "public" }, "(root)"],
  ])("%s with 400 invalid_request naming the field", async (_label, body, field) => {
    const tenant = await seedTenant();
    const response = await postBundle(tenant, body);

    expect(response.status).toBe(400);
    const answer = await response.json<{ code: string; issues: { field: string }[] }>();
    expect(answer.code).toBe("invalid_request");
    expect(answer.issues.map((issue) => issue.field)).toContain(field);
  });

  it("a version of another tenant with the same 404 as a version that does not exist", async () => {
    const tenant = await seedTenant();
    const other = await seedTenant();
    const own = await publish(tenant, utf8("own"));
    const foreign = await publish(other, utf8("foreign"));
    const missing = "ver_AAAAAAAAAAAAAAAAAAAAAA";

    const answers = [];
    for (const stranger of [foreign.versionId, missing]) {
      const response = await postBundle(tenant, {
        name: "pack",
        versionIds: [own.versionId, stranger],
      });
      expect(response.status).toBe(404);
      answers.push({ ...(await response.json<object>()), requestId: null });
    }
    expect(answers[0]).toMatchObject({
      code: "not_found",
      detail: "No such version.",
      issues: [{ field: "versionIds.1", message: "No such version." }],
    });
    expect(answers[0]).toEqual(answers[1]);
  });

  it("a purged version with 410 version_purged", async () => {
    const tenant = await seedTenant();
    const kept = await publish(tenant, utf8("kept"));
    const purged = await publish(tenant, utf8("purged"));
    await markPurged(purged.versionId);

    const response = await postBundle(tenant, {
      name: "pack",
      versionIds: [kept.versionId, purged.versionId],
    });
    expect(response.status).toBe(410);
    expect(await problem(response)).toMatchObject({ code: "version_purged", status: 410 });
  });

  it("a version past its retention, not yet swept, with 410 version_purged", async () => {
    const tenant = await seedTenant();
    const due = await publish(tenant, utf8("due"), { class: "internal" });
    await database(env.DB)
      .update(versions)
      .set({ retainUntil: Date.now() - DAY_MS })
      .where(eq(versions.id, due.versionId));

    const response = await postBundle(tenant, { name: "pack", versionIds: [due.versionId] });
    expect(response.status).toBe(410);
    expect(await problem(response)).toMatchObject({ code: "version_purged" });
  });

  it("a key without the publish scope with 403 insufficient_scope", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("x"));
    const issuer = await addKey(tenant, ["issue"]);

    const response = await postBundle(issuer, { name: "pack", versionIds: [version.versionId] });
    expect(response.status).toBe(403);
    expect(await problem(response)).toMatchObject({ code: "insufficient_scope" });
  });
});

describe("GET /v1/bundles/{bundleId}", () => {
  it("answers the same description POST answered", async () => {
    const tenant = await seedTenant();
    const created = await createBundle(tenant, await publishSamples(tenant));
    const response = await api(tenant, `/bundles/${created.bundleId}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(created);
  });

  it("answers 404 for another tenant's bundle, as for one that does not exist", async () => {
    const tenant = await seedTenant();
    const other = await seedTenant();
    const foreign = await createBundle(other, [(await publish(other, utf8("x"))).versionId]);

    for (const bundleId of [foreign.bundleId, "bdl_AAAAAAAAAAAAAAAAAAAAAA"]) {
      const response = await api(tenant, `/bundles/${bundleId}`);
      expect(response.status).toBe(404);
      expect(await problem(response)).toMatchObject({
        code: "not_found",
        detail: "No such bundle.",
      });
    }
  });
});

describe("POST /v1/links with a bundle", () => {
  it("issues a link to the bundle: bundleId set, versionId null, the bundle's class", async () => {
    const tenant = await seedTenant();
    const bundle = await createBundle(tenant, await publishSamples(tenant));
    const link = await issueBundleLink(tenant, bundle.bundleId, { maxUses: 1 });

    expect(link).toMatchObject({ bundleId: bundle.bundleId, versionId: null, class: "restricted" });
    const read = await api(tenant, `/links/${link.id}`);
    expect(await read.json()).toMatchObject({ bundleId: bundle.bundleId, versionId: null });
  });

  it("follows the policy of the bundle's class, not of its least sensitive member", async () => {
    const tenant = await seedTenant();
    const internal = await publish(tenant, utf8("i"), { class: "internal" });
    const restricted = await publish(tenant, utf8("r"), { class: "restricted" });
    const bundle = await createBundle(tenant, [internal.versionId, restricted.versionId]);

    // Internal links may allow 100 uses; restricted ones at most 5.
    const response = await api(tenant, "/links", {
      method: "POST",
      json: { bundleId: bundle.bundleId, maxUses: 6 },
    });
    expect(response.status).toBe(422);
    expect(await problem(response)).toMatchObject({ code: "policy_violation" });
    expect(await issueBundleLink(tenant, bundle.bundleId, { maxUses: 5 })).toMatchObject({
      class: "restricted",
    });
  });

  it.each([
    ["both a versionId and a bundleId", true, true],
    ["neither a versionId nor a bundleId", false, false],
  ])("refuses %s with 400 invalid_request", async (_label, withVersion, withBundle) => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("x"));
    const bundle = await createBundle(tenant, [version.versionId]);
    const response = await api(tenant, "/links", {
      method: "POST",
      json: {
        ...(withVersion ? { versionId: version.versionId } : {}),
        ...(withBundle ? { bundleId: bundle.bundleId } : {}),
      },
    });

    expect(response.status).toBe(400);
    expect(await problem(response)).toMatchObject({
      code: "invalid_request",
      detail: expect.stringContaining("exactly one of versionId and bundleId"),
    });
  });

  it("refuses another tenant's bundle with the same 404 as a missing one", async () => {
    const tenant = await seedTenant();
    const other = await seedTenant();
    const foreign = await createBundle(other, [(await publish(other, utf8("x"))).versionId]);

    for (const bundleId of [foreign.bundleId, "bdl_AAAAAAAAAAAAAAAAAAAAAA"]) {
      const response = await api(tenant, "/links", { method: "POST", json: { bundleId } });
      expect(response.status).toBe(404);
      expect(await problem(response)).toMatchObject({
        code: "not_found",
        detail: "No such bundle.",
      });
    }
  });

  it("refuses a bundle whose member was purged since, with 410 naming the member", async () => {
    const tenant = await seedTenant();
    const versionIds = await publishSamples(tenant);
    const bundle = await createBundle(tenant, versionIds);
    await markPurged(versionIds[2] ?? "");

    const response = await api(tenant, "/links", {
      method: "POST",
      json: { bundleId: bundle.bundleId },
    });
    expect(response.status).toBe(410);
    expect(await problem(response)).toMatchObject({
      code: "version_purged",
      versionId: versionIds[2],
    });
  });

  it("records link.issued under the bundle, with no version id", async () => {
    const tenant = await seedTenant();
    const bundle = await createBundle(tenant, await publishSamples(tenant));
    const link = await issueBundleLink(tenant, bundle.bundleId);
    await flushAudit(link.id);

    const response = await api(tenant, `/audit?linkId=${link.id}&action=link.issued`);
    const { events } = await response.json<{ events: Record<string, unknown>[] }>();
    expect(events).toEqual([
      expect.objectContaining({
        versionId: null,
        detail: expect.objectContaining({ bundleId: bundle.bundleId, class: "restricted" }),
      }),
    ]);
  });
});
