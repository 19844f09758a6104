import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CredentialsError,
  discoverCredentials,
  findDevCredentials,
  type ReadText,
} from "../../src/cli/credentials.ts";

const KEY = "pcl.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
const DEV_FILE = JSON.stringify({ url: "http://127.0.0.1:8787", apiKey: KEY, tenantId: "ten_x" });

/** A read-only filesystem of the given files; every other path does not exist. */
function files(contents: Record<string, string>): ReadText & { reads: string[] } {
  const reads: string[] = [];
  const read = (path: string) => {
    reads.push(path);
    return contents[path] ?? null;
  };
  return Object.assign(read, { reads });
}

function credentialsErrorOf(run: () => unknown): CredentialsError {
  try {
    run();
  } catch (error) {
    if (error instanceof CredentialsError) return error;
    throw error;
  }
  throw new Error("expected a CredentialsError");
}

describe("findDevCredentials", () => {
  it("finds .portcullis/dev.json in an ancestor of the working directory", () => {
    const path = join("/repo", ".portcullis", "dev.json");
    expect(findDevCredentials("/repo/src/cli", files({ [path]: DEV_FILE }))).toEqual({
      path,
      text: DEV_FILE,
    });
  });

  it("prefers the nearest dev.json", () => {
    const outer = join("/repo", ".portcullis", "dev.json");
    const inner = join("/repo/sub", ".portcullis", "dev.json");
    const found = findDevCredentials("/repo/sub/deeper", files({ [outer]: "{}", [inner]: "{}" }));
    expect(found?.path).toBe(inner);
  });

  it("stops at the filesystem root", () => {
    const read = files({});
    expect(findDevCredentials("/a/b", read)).toBeNull();
    expect(read.reads).toEqual([
      join("/a/b", ".portcullis", "dev.json"),
      join("/a", ".portcullis", "dev.json"),
      join("/", ".portcullis", "dev.json"),
    ]);
  });
});

describe("discoverCredentials", () => {
  const devPath = join("/repo", ".portcullis", "dev.json");

  it("uses the environment alone when both variables are set, without reading any file", () => {
    const read = files({ [devPath]: DEV_FILE });
    const env = { PORTCULLIS_URL: "https://gw.example.org", PORTCULLIS_API_KEY: "pcl.env.key" };
    expect(discoverCredentials(env, "/repo", read)).toEqual({
      url: "https://gw.example.org",
      apiKey: "pcl.env.key",
      keySource: "PORTCULLIS_API_KEY",
    });
    expect(read.reads).toEqual([]);
  });

  it("falls back to dev.json when the environment sets nothing", () => {
    expect(discoverCredentials({}, "/repo/src", files({ [devPath]: DEV_FILE }))).toEqual({
      url: "http://127.0.0.1:8787",
      apiKey: KEY,
      keySource: devPath,
    });
  });

  it("takes each value from the first place that has it", () => {
    const env = { PORTCULLIS_URL: "http://127.0.0.1:9999", PORTCULLIS_API_KEY: "" };
    expect(discoverCredentials(env, "/repo", files({ [devPath]: DEV_FILE }))).toEqual({
      url: "http://127.0.0.1:9999",
      apiKey: KEY,
      keySource: devPath,
    });
  });

  it("names both variables and `npm start` when nothing is found", () => {
    const error = credentialsErrorOf(() => discoverCredentials({}, "/elsewhere", files({})));
    expect(error.code).toBe("no_credentials");
    expect(error.message).toContain("PORTCULLIS_URL and PORTCULLIS_API_KEY");
    expect(error.message).toContain("npm start");
  });

  it("names only the variable still missing", () => {
    const env = { PORTCULLIS_URL: "https://gw.example.org" };
    const error = credentialsErrorOf(() => discoverCredentials(env, "/elsewhere", files({})));
    expect(error.message).toMatch(/^Set PORTCULLIS_API_KEY,/);
  });

  it("reports a dev.json that is not JSON, by path", () => {
    const error = credentialsErrorOf(() =>
      discoverCredentials({}, "/repo", files({ [devPath]: "{ not json" })),
    );
    expect(error.code).toBe("bad_credentials_file");
    expect(error.message).toContain(devPath);
  });

  it("refuses a gateway URL that is not absolute", () => {
    const env = { PORTCULLIS_URL: "127.0.0.1:8787", PORTCULLIS_API_KEY: KEY };
    expect(credentialsErrorOf(() => discoverCredentials(env, "/repo", files({}))).code).toBe(
      "bad_url",
    );
  });

  it.each([
    [
      "PORTCULLIS_URL",
      { PORTCULLIS_URL: "https://ops:pa55@gw.example.org", PORTCULLIS_API_KEY: KEY },
      {},
    ],
    [
      "dev.json",
      {},
      { [devPath]: JSON.stringify({ url: "http://ops:pa55@127.0.0.1:8787", apiKey: KEY }) },
    ],
  ])(
    "refuses a gateway URL with a user name or password from %s, naming it without them",
    (_source, env, contents) => {
      const error = credentialsErrorOf(() => discoverCredentials(env, "/repo", files(contents)));

      expect(error.code).toBe("bad_url");
      expect(error.message).toMatch(
        /^The gateway URL https?:\/\/(gw\.example\.org|127\.0\.0\.1:8787)\/ must not hold/,
      );
      expect(error.message).not.toContain("pa55");
      expect(error.message).not.toContain("ops");
    },
  );

  it.each(["ops:pa55@gw.example.org", "ftp://ops:pa55@gw.example.org"])(
    "refuses a gateway URL that is not http(s), without repeating credentials: %s",
    (url) => {
      const env = { PORTCULLIS_URL: url, PORTCULLIS_API_KEY: KEY };
      const error = credentialsErrorOf(() => discoverCredentials(env, "/repo", files({})));

      expect(error.code).toBe("bad_url");
      expect(error.message).toContain("http:// or https://");
      expect(error.message).not.toContain("pa55");
    },
  );

  it("never puts the key in an error message", () => {
    const text = JSON.stringify({ apiKey: KEY });
    const error = credentialsErrorOf(() =>
      discoverCredentials({}, "/repo", files({ [devPath]: text })),
    );
    expect(error.message).toContain("PORTCULLIS_URL");
    expect(error.message).not.toContain(KEY);
  });
});
