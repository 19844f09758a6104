import { describe, expect, it } from "vitest";
import { type FetchLike, PortcullisClient, PortcullisError } from "../../src/client/index.ts";
import { fakeFetch, json, KEY, LINK, VERSION } from "./fixtures.ts";

async function failureOf(promise: Promise<unknown>): Promise<PortcullisError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PortcullisError) return error;
    throw error;
  }
  throw new Error("expected a PortcullisError");
}

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
}

describe("PortcullisClient requests", () => {
  it("publishes to the object's path with metadata in the query and a Content-Length", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, VERSION));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org/", apiKey: KEY, fetch });
    const progress: number[] = [];

    const version = await client.publish({
      name: "ward 4",
      class: "restricted",
      filename: "risk.csv",
      contentType: "text/csv",
      labels: { run: "a=b" },
      body: streamOf("ab", "cde"),
      size: 5,
      onProgress: (sent) => progress.push(sent),
    });

    expect(version.versionId).toBe(VERSION.versionId);
    const [request] = sent;
    expect(request?.method).toBe("POST");
    const url = new URL(request?.url ?? "");
    expect(url.origin + url.pathname).toBe("https://gw.example.org/v1/objects/ward%204/versions");
    expect([...url.searchParams]).toEqual([
      ["class", "restricted"],
      ["filename", "risk.csv"],
      ["label", "run=a=b"],
    ]);
    expect(request?.headers.get("Content-Length")).toBe("5");
    expect(request?.headers.get("Content-Type")).toBe("text/csv");
    expect(request?.headers.get("Authorization")).toBe(`Bearer ${KEY}`);
    expect(request?.init.duplex).toBe("half");
    // Following no redirect is what keeps Node's fetch from buffering the whole stream.
    expect(request?.init.redirect).toBe("error");
    expect(request?.body).toBe("abcde");
    expect(progress).toEqual([0, 2, 5]);
  });

  it("sends issue options as JSON, leaving out the ones not given", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, { ...LINK, url: "https://gw/d/t" }));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    const link = await client.issueLink({ versionId: VERSION.versionId, ttlSeconds: 3600 });

    expect(link.url).toBe("https://gw/d/t");
    expect(sent[0]?.url).toBe("https://gw.example.org/v1/links");
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      versionId: VERSION.versionId,
      ttlSeconds: 3600,
    });
  });

  it("sends the recipient subject, group and constraints when issuing", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, { ...LINK, url: "https://gw/d/t" }));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });
    const constraints = {
      ipRanges: ["10.20.0.0/16"],
      hours: { days: ["mon" as const], from: "08:00", to: "18:00", timeZone: "UTC" },
    };

    await client.issueLink({
      versionId: VERSION.versionId,
      recipientSubjectId: "subj-1",
      recipientGroup: "oncology",
      constraints,
    });

    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      versionId: VERSION.versionId,
      recipientSubjectId: "subj-1",
      recipientGroup: "oncology",
      constraints,
    });
  });

  it.each(["active", "pending_approval", "rejected", "expired", "revoked", "used_up"])(
    "accepts a link the server answers with status %s",
    async (status) => {
      const { fetch } = fakeFetch(() => json(200, { ...LINK, status }));
      const client = new PortcullisClient({
        baseUrl: "https://gw.example.org",
        apiKey: KEY,
        fetch,
      });
      expect((await client.getLink(LINK.id)).status).toBe(status);
    },
  );

  it("accepts a bundle link, whose versionId is null", async () => {
    const bundleLink = { ...LINK, versionId: null, bundleId: "bnd_AAAAAAAAAAAAAAAAAAAAAA" };
    const { fetch } = fakeFetch(() => json(200, bundleLink));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });
    expect(await client.getLink(LINK.id)).toEqual(bundleLink);
  });

  it("turns audit filters into query parameters, dates as ISO 8601", async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { events: [], nextCursor: null }));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    await client.audit({ linkId: LINK.id, from: new Date(0), limit: 10 });

    const url = new URL(sent[0]?.url ?? "");
    expect(url.pathname).toBe("/v1/audit");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      linkId: LINK.id,
      from: "1970-01-01T00:00:00.000Z",
      limit: "10",
    });
  });

  it("keeps members a newer server adds", async () => {
    const { fetch } = fakeFetch(() => json(200, { ...LINK, approvedBy: "someone" }));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });
    expect(await client.getLink(LINK.id)).toMatchObject({ approvedBy: "someone" });
  });

  it("does not show the API key when the client is printed or serialised", () => {
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY });
    expect(JSON.stringify(client)).not.toContain(KEY);
    expect(Object.values(client).join(" ")).not.toContain(KEY);
  });
});

describe("PortcullisClient errors", () => {
  it("carries the problem document's code, detail, status and request id", async () => {
    const problem = {
      type: "https://portcullis.dev/problems/policy-violation",
      title: "The request breaks the policy of its class",
      status: 422,
      code: "policy_violation",
      detail: "Links to restricted files may last at most 259200 seconds.",
      requestId: "req_server",
      rule: "max_ttl_seconds",
    };
    const { fetch } = fakeFetch(() =>
      json(422, problem, { "Content-Type": "application/problem+json" }),
    );
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    const error = await failureOf(client.issueLink({ versionId: VERSION.versionId }));

    expect(error).toMatchObject({
      code: "policy_violation",
      status: 422,
      detail: problem.detail,
      requestId: "req_server",
    });
    expect(error.problem?.rule).toBe("max_ttl_seconds");
  });

  it("calls a non-problem error answer unexpected_response, keeping the status", async () => {
    const { fetch } = fakeFetch(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    const error = await failureOf(client.getLink(LINK.id));

    expect(error.code).toBe("unexpected_response");
    expect(error.status).toBe(502);
    expect(error.requestId).toMatch(/^req_[\w-]{22}$/);
  });

  it("calls a success that breaks the contract unexpected_response, naming the field", async () => {
    const { fetch } = fakeFetch(() => json(200, { ...LINK, usesLeft: "one" }));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    const error = await failureOf(client.getLink(LINK.id));

    expect(error.code).toBe("unexpected_response");
    expect(error.detail).toContain("usesLeft");
  });

  it("reports a failed connection as network_error with the id it sent", async () => {
    const fetch: FetchLike = async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
      });
    };
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    const error = await failureOf(client.getLink(LINK.id));

    expect(error).toMatchObject({ code: "network_error", status: 0 });
    expect(error.detail).toContain("ECONNREFUSED");
    expect(error.requestId).toMatch(/^req_/);
  });

  it("reports an aborted call as aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const fetch: FetchLike = async (_url, init) => {
      init.signal?.throwIfAborted();
      return json(200, LINK);
    };
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    const error = await failureOf(client.getLink(LINK.id, { signal: controller.signal }));

    expect(error.code).toBe("aborted");
  });

  it.each([
    ["shorter", ["abc"]],
    ["longer", ["abcdef", "gh"]],
  ])(
    "fails an upload whose stream is %s than its size with body_size_mismatch",
    async (_, chunks) => {
      const { fetch } = fakeFetch(() => json(201, VERSION));
      const client = new PortcullisClient({
        baseUrl: "https://gw.example.org",
        apiKey: KEY,
        fetch,
      });

      const error = await failureOf(
        client.publish({ name: "x", body: streamOf(...chunks), size: 5 }),
      );

      expect(error.code).toBe("body_size_mismatch");
    },
  );

  it("refuses a byte array whose length is not the size before sending anything", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, VERSION));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    expect(() => client.publish({ name: "x", body: new Uint8Array(4), size: 5 })).toThrow(
      TypeError,
    );
    expect(sent).toEqual([]);
  });

  it("refuses a baseUrl with a user name or password, and never repeats them", () => {
    for (const baseUrl of ["https://alice:s3cret@gw.example.org", "https://alice@gw.example.org"]) {
      let thrown: unknown;
      try {
        new PortcullisClient({ baseUrl, apiKey: KEY });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toBe(
        '"baseUrl" must not hold a user name or password, got "https://gw.example.org/"',
      );
    }
  });

  it("never puts URL credentials in a network error's detail or message", async () => {
    const fetch: FetchLike = async () => {
      throw new TypeError("fetch failed", {
        cause: new Error("redirect to http://bob:hunter2@proxy.example:3128/ refused"),
      });
    };
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    const error = await failureOf(client.getLink(LINK.id));

    expect(error.detail).toBe("fetch failed: redirect to http://proxy.example:3128/ refused");
    expect(error.message).not.toContain("hunter2");
  });

  it("never puts the API key in an error", async () => {
    const { fetch } = fakeFetch(() => json(401, { code: "unauthenticated", detail: "No." }));
    const client = new PortcullisClient({ baseUrl: "https://gw.example.org", apiKey: KEY, fetch });

    const error = await failureOf(client.getVersion(VERSION.versionId));

    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(KEY);
  });
});
