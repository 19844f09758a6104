/**
 * Bundles, subjects and bulk revocation through the CLI against a real gateway (`wrangler dev`,
 * see support/gateway.ts): bundle the four sample files, download the bundle's link as one ZIP
 * and check every entry against MANIFEST.sha256 and examples/SHA256SUMS; bind links to a
 * subject and see its changes revoke them; revoke by object, and everything.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type CliResult,
  EXAMPLES,
  expectedSha256,
  portcullis,
  TEST_TIMEOUT_MS,
  useGateway,
} from "../support/gateway.ts";

const gateway = useGateway();

const SAMPLES = [
  ["FY_2024_Hospital_Readmissions_Reduction_Program_Hospital.csv", "hrrp-fy2024", "internal"],
  ["diabetes_readmission_nn.keras", "readmission-model", "restricted"],
  ["diabetes_readmission_MODEL_CARD.md", "readmission-model-card", "internal"],
  ["synthea_encounters.csv", "encounters", "internal"],
] as const;
const SUBJECT_ID = "okta|00u1abc";

interface Bundle {
  bundleId: string;
  class: string;
  size: number;
  members: { versionId: string; filename: string; sha256: string }[];
  manifest: string;
}

interface Link {
  id: string;
  url?: string;
  status: string;
}

async function cliJson<T>(args: readonly string[]): Promise<T> {
  const result = await portcullis(gateway, [...args, "--json"]);
  expect(result.status, `portcullis ${args.join(" ")}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** POST the confirmation, follow the 303 to the download, and return the bytes. */
async function download(url: string): Promise<Buffer> {
  const confirmed = await fetch(url, {
    method: "POST",
    body: "",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "*/*" },
    redirect: "manual",
  });
  expect(confirmed.status).toBe(303);
  await confirmed.body?.cancel();
  const location = new URL(confirmed.headers.get("Location") ?? "", url);
  const response = await fetch(location);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/**
 * The entries of a ZIP whose entries are stored (as bundles' are), read through the central
 * directory, since the local headers carry their sizes in data descriptors after the data.
 */
function storedEntries(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let index = 0; index < count; index += 1) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    expect(zip.readUInt16LE(at + 10), "compression method").toBe(0);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.set(name, zip.subarray(data, data + size));
    at += 46 + skip;
  }
  return entries;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("bundles, subjects and bulk revocation", { timeout: TEST_TIMEOUT_MS }, () => {
  const versionIds: string[] = [];
  let bundle: Bundle;

  it("bundle makes one restricted bundle of the four published samples", async () => {
    for (const [file, name, sensitivity] of SAMPLES) {
      const args = ["publish", join(EXAMPLES, file), "--name", name, "--class", sensitivity];
      versionIds.push((await cliJson<{ versionId: string }>(args)).versionId);
    }

    bundle = await cliJson<Bundle>(["bundle", ...versionIds, "--name", "ward-4-pack"]);

    expect(bundle.bundleId).toMatch(/^bdl_[A-Za-z0-9_-]{22}$/);
    expect(bundle.class).toBe("restricted");
    expect(bundle.members.map((member) => member.versionId)).toEqual(versionIds);
    const text = await portcullis(gateway, ["bundle", bundle.bundleId]);
    expect(text.stdout).toMatch(/^members +4$/m);
  });

  it("link BUNDLE_ID delivers one ZIP whose entries match the manifest and samples", async () => {
    const link = await cliJson<Link>(["link", bundle.bundleId, "--uses", "1"]);

    const zip = await download(link.url ?? "");

    expect(zip.length).toBe(bundle.size);
    const entries = storedEntries(zip);
    expect([...entries.keys()]).toEqual(["MANIFEST.sha256", ...SAMPLES.map(([file]) => file)]);
    expect(entries.get("MANIFEST.sha256")?.toString("utf8")).toBe(bundle.manifest);
    for (const [file] of SAMPLES) {
      const digest = sha256(entries.get(file) ?? Buffer.alloc(0));
      expect(digest, file).toBe(expectedSha256(file));
      expect(bundle.manifest).toContain(`${digest}  ${file}\n`);
    }
    expect((await cliJson<Link>(["status", link.id])).status).toBe("used_up");
  });

  it("dropping a role revokes the subject's link through it; deactivating, the rest", async () => {
    await cliJson(["subjects", "put", SUBJECT_ID, "--role", "cardiology", "--role", "research"]);
    const [csv] = versionIds;
    const viaRole = await cliJson<Link>([
      "link",
      csv ?? "",
      "--subject",
      SUBJECT_ID,
      "--group",
      "cardiology",
    ]);
    const direct = await cliJson<Link>(["link", bundle.bundleId, "--subject", SUBJECT_ID]);

    const put = await portcullis(gateway, ["subjects", "put", SUBJECT_ID, "--role", "research"]);
    expect(put.stdout).toMatch(/^linksRevoked +1 /m);
    expect((await cliJson<Link>(["status", viaRole.id])).status).toBe("revoked");
    expect((await cliJson<Link>(["status", direct.id])).status).toBe("active");

    const deactivated = await cliJson<{ linksRevoked: number; subject: { active: boolean } }>([
      "subjects",
      "deactivate",
      SUBJECT_ID,
    ]);
    expect(deactivated).toMatchObject({ linksRevoked: 1, subject: { active: false } });
    expect((await cliJson<Link>(["status", direct.id])).status).toBe("revoked");
    const inactive = await cliJson<{ subjects: { id: string }[] }>([
      "subjects",
      "list",
      "--inactive",
    ]);
    expect(inactive.subjects.map((subject) => subject.id)).toEqual([SUBJECT_ID]);
  });

  it("revoke --object revokes links to its versions and bundles, once", async () => {
    const [csv] = versionIds;
    const toVersion = await cliJson<Link>(["link", csv ?? ""]);
    const toBundle = await cliJson<Link>(["link", bundle.bundleId]);

    const first = await cliJson(["revoke", "--object", "hrrp-fy2024", "--note", "recalled"]);
    const again = await cliJson(["revoke", "--object", "hrrp-fy2024"]);

    expect(first).toMatchObject({ linksRevoked: 2 });
    expect(again).toMatchObject({ linksRevoked: 0 });
    for (const link of [toVersion, toBundle]) {
      expect((await cliJson<Link>(["status", link.id])).status).toBe("revoked");
    }
  });

  it("revoke --everything without a terminal needs --yes, and then revokes the rest", async () => {
    const [, model] = versionIds;
    const live = await cliJson<Link>(["link", model ?? ""]);

    const refused: CliResult = await portcullis(gateway, ["revoke", "--everything"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^error usage: .*add --yes\./);
    expect((await cliJson<Link>(["status", live.id])).status).toBe("active");

    expect(await cliJson(["revoke", "--everything", "--yes"])).toMatchObject({ linksRevoked: 1 });
    expect((await cliJson<Link>(["status", live.id])).status).toBe("revoked");
  });
});
