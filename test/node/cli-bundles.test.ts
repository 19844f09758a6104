import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { EXIT_API_ERROR, EXIT_OK, EXIT_USAGE } from "../../src/cli/main.ts";
import {
  type FetchLike,
  type IssueLinkInput,
  PortcullisClient,
  PortcullisError,
} from "../../src/client/index.ts";
import { BUNDLE, cli, fakeFetch, json, KEY, LINK, usageErrorOf, VERSION } from "./fixtures.ts";

const SECOND = "ver_CCCCCCCCCCCCCCCCCCCCCC";
const BUNDLE_LINK = { ...LINK, versionId: null, bundleId: BUNDLE.bundleId };

function clientWith(fetch: FetchLike) {
  return new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });
}

describe("parseCommandLine for bundle and link", () => {
  it("reads bundle's version ids in the order given, with the name", () => {
    expect(parseCommandLine(["bundle", SECOND, VERSION.versionId, "--name", "pack"])).toEqual({
      command: "bundle",
      json: false,
      name: "pack",
      versionIds: [SECOND, VERSION.versionId],
    });
  });

  it("reads one bundle id as showing that bundle", () => {
    expect(parseCommandLine(["bundle", BUNDLE.bundleId, "--json"])).toEqual({
      command: "bundle",
      json: true,
      bundleId: BUNDLE.bundleId,
    });
  });

  it("tells a version from a bundle by the id's prefix", () => {
    expect(parseCommandLine(["link", VERSION.versionId])).toMatchObject({
      versionId: VERSION.versionId,
    });
    const bundleLink = parseCommandLine(["link", BUNDLE.bundleId, "--uses", "2"]);
    expect(bundleLink).toEqual({
      command: "link",
      json: false,
      bundleId: BUNDLE.bundleId,
      maxUses: 2,
    });
    expect(bundleLink).not.toHaveProperty("versionId");
  });

  it.each([
    [["bundle", "--name", "pack"], "bundle takes one or more VERSION_ID."],
    [["bundle", VERSION.versionId], "bundle needs --name NAME"],
    [["bundle", VERSION.versionId, "--name", ""], "bundle needs --name NAME"],
    [["bundle", VERSION.versionId, VERSION.versionId, "--name", "p"], "is given twice"],
    [["bundle", VERSION.versionId, "lnk_x", "--name", "p"], '"lnk_x" is not a version id'],
    [["bundle", VERSION.versionId, BUNDLE.bundleId, "--name", "p"], "is a bundle id"],
    [["bundle", BUNDLE.bundleId, "--name", "p"], "--name goes with VERSION_IDs"],
    [["link", "lnk_x"], '"lnk_x" is neither a version id (ver_…) nor a bundle id (bdl_…).'],
    [["link", "x"], "is neither a version id"],
    [["link"], "link takes one VERSION_ID or BUNDLE_ID."],
  ])("refuses %j as a usage error pointing at the command's help", (argv, message) => {
    const error = usageErrorOf(() => parseCommandLine(argv));
    expect(error.message).toContain(message);
    expect(error.command).toBe(argv[0]);
  });
});

describe("PortcullisClient bundles", () => {
  it("creates and reads bundles through the documented paths", async () => {
    const { fetch, sent } = fakeFetch((request) =>
      json(request.method === "POST" ? 201 : 200, BUNDLE),
    );
    const client = clientWith(fetch);

    expect(
      await client.createBundle({ name: "pack", versionIds: [VERSION.versionId, SECOND] }),
    ).toEqual(BUNDLE);
    expect(await client.getBundle(BUNDLE.bundleId)).toEqual(BUNDLE);

    expect(sent.map((request) => [request.method, request.url])).toEqual([
      ["POST", "https://gw.example.org/v1/bundles"],
      ["GET", `https://gw.example.org/v1/bundles/${BUNDLE.bundleId}`],
    ]);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      name: "pack",
      versionIds: [VERSION.versionId, SECOND],
    });
  });

  it("issues a bundle link with bundleId and no versionId", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, { ...BUNDLE_LINK, url: "https://gw/d/t" }));

    const link = await clientWith(fetch).issueLink({ bundleId: BUNDLE.bundleId, maxUses: 2 });

    expect(link.bundleId).toBe(BUNDLE.bundleId);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({ bundleId: BUNDLE.bundleId, maxUses: 2 });
  });

  it.each([
    ["both", { versionId: VERSION.versionId, bundleId: BUNDLE.bundleId }],
    ["neither", { maxUses: 1 }],
  ])(
    "refuses a link to %s a version and a bundle with a TypeError, sending nothing",
    (_, input) => {
      const { fetch, sent } = fakeFetch(() => json(201, {}));

      expect(() => clientWith(fetch).issueLink(input as unknown as IssueLinkInput)).toThrow(
        new TypeError('Give exactly one of "versionId" and "bundleId"'),
      );
      expect(sent).toEqual([]);
    },
  );

  it("calls a bundle without its manifest unexpected_response, naming the field", async () => {
    const { manifest: _, ...withoutManifest } = BUNDLE;
    const { fetch } = fakeFetch(() => json(200, withoutManifest));

    const error = await clientWith(fetch)
      .getBundle(BUNDLE.bundleId)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PortcullisError);
    expect(error).toMatchObject({ code: "unexpected_response" });
    expect((error as PortcullisError).detail).toContain("manifest");
  });
});

describe("portcullis bundle", () => {
  it("posts the versions and prints the bundle's id, class, size and members", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, BUNDLE));

    const result = await cli(["bundle", VERSION.versionId, SECOND, "--name", "ward-4-pack"], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      name: "ward-4-pack",
      versionIds: [VERSION.versionId, SECOND],
    });
    expect(result.stdout).toMatch(/^bundleId +bdl_B{22}$/m);
    expect(result.stdout).toMatch(/^name +ward-4-pack \(downloads as ward-4-pack\.zip\)$/m);
    expect(result.stdout).toMatch(/^class +restricted$/m);
    expect(result.stdout).toMatch(/^size +2119999 bytes \(2\.0 MiB\), MANIFEST\.sha256 included$/m);
    expect(result.stdout).toMatch(/^members +2$/m);
    const table = result.stdout.split("\n\n")[1]?.split("\n") ?? [];
    expect(table[0]?.split(/ +/)).toEqual(["#", "versionId", "size", "sha256", "filename"]);
    expect(table[1]?.split(/ +/)).toEqual([
      "1",
      VERSION.versionId,
      "5",
      "bytes",
      "ffffffffffff",
      "risk.csv",
    ]);
    expect(table[2]).toMatch(/^2 +ver_C{22} +2\.0 MiB +eeeeeeeeeeee +model\.keras$/);
    expect(result.stderr).toBe("");
  });

  it("with --json prints the API's bundle, manifest included", async () => {
    const { fetch } = fakeFetch(() => json(201, BUNDLE));

    const result = await cli(["bundle", VERSION.versionId, "--name", "p", "--json"], fetch);

    expect(JSON.parse(result.stdout)).toEqual(BUNDLE);
  });

  it("with one bundle id shows that bundle", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, BUNDLE));

    const result = await cli(["bundle", BUNDLE.bundleId], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(sent.map((request) => [request.method, request.url])).toEqual([
      ["GET", `https://gw.example.org/v1/bundles/${BUNDLE.bundleId}`],
    ]);
    expect(result.stdout).toMatch(/^members +2$/m);
  });

  it("shows the gateway's refusal of a purged member, exit status 1", async () => {
    const { fetch } = fakeFetch(() =>
      json(410, { code: "version_purged", detail: "A member's retention has ended." }),
    );

    const result = await cli(["bundle", VERSION.versionId, "--name", "p"], fetch);

    expect(result.status).toBe(EXIT_API_ERROR);
    expect(result.stderr).toMatch(/^error version_purged: A member's retention has ended\./);
  });

  it("a bad id is a usage error that sends nothing", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, BUNDLE));

    const result = await cli(["bundle", "risk.csv", "--name", "p"], fetch);

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(
      /^error usage: "risk\.csv" is not a version id .*See portcullis bundle --help\.\n$/,
    );
    expect(sent).toEqual([]);
  });
});

describe("portcullis link to a bundle", () => {
  it("sends bundleId for a bdl_ id and prints the bundle it delivers", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, { ...BUNDLE_LINK, url: "https://gw/d/t" }));

    const result = await cli(["link", BUNDLE.bundleId, "--ttl", "2h"], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      bundleId: BUNDLE.bundleId,
      ttlSeconds: 7200,
    });
    expect(result.stdout).toMatch(/^url +https:\/\/gw\/d\/t$/m);
    expect(result.stdout).toMatch(/^bundle +bdl_B{22} \(restricted\)$/m);
  });

  it("sends versionId for a ver_ id, and prints no bundle line", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, { ...LINK, url: "https://gw/d/t" }));

    const result = await cli(["link", VERSION.versionId], fetch);

    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({ versionId: VERSION.versionId });
    expect(result.stdout).not.toMatch(/^bundle/m);
  });

  it("an id that is neither is a usage error that sends nothing", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, {}));

    const result = await cli(["link", LINK.id], fetch);

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(
      /^error usage: .* is neither a version id .*See portcullis link --help\.\n$/,
    );
    expect(sent).toEqual([]);
  });

  it("bundle and link have help pages that name both kinds of id", async () => {
    const bundle = await cli(["bundle", "--help"]);
    expect(bundle.status).toBe(EXIT_OK);
    expect(bundle.stdout).toMatch(/^Usage: portcullis bundle VERSION_ID\.\.\. --name NAME/);
    expect(bundle.stdout).toContain("sha256sum -c MANIFEST.sha256");
    expect((await cli(["link", "-h"])).stdout).toContain("a bundle (ID bdl_...");
    expect((await cli(["--help"])).stdout).toMatch(/^ {2}bundle VERSION_ID\.\.\. --name NAME$/m);
  });
});
