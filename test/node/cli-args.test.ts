import { describe, expect, it } from "vitest";
import {
  parseCommandLine,
  parseLabels,
  parsePositiveInteger,
  parseTtl,
} from "../../src/cli/args.ts";
import { usageErrorOf } from "./fixtures.ts";

describe("parseTtl", () => {
  it.each([
    ["90s", 90],
    ["30m", 1800],
    ["2h", 7200],
    ["7d", 604_800],
    ["3600", 3600],
    [" 45 ", 45],
  ])("reads %j as %i seconds", (text, seconds) => {
    expect(parseTtl(text)).toBe(seconds);
  });

  it.each(["", "0", "0h", "-5", "1.5h", "2w", "h", "2 h", "1e3", "99999999999999999d"])(
    "refuses %j as a usage error",
    (text) => {
      expect(usageErrorOf(() => parseTtl(text)).message).toContain("--ttl");
    },
  );
});

describe("parsePositiveInteger", () => {
  it("accepts whole numbers from 1", () => {
    expect(parsePositiveInteger("--uses", "1")).toBe(1);
    expect(parsePositiveInteger("--limit", "500")).toBe(500);
  });

  it.each(["0", "-1", "2.5", "ten", "", " 5", "5 "])("refuses %j and names the option", (text) => {
    expect(usageErrorOf(() => parsePositiveInteger("--uses", text)).message).toMatch(/^--uses /);
  });
});

describe("parseLabels", () => {
  it("splits at the first '=' so values may contain '='", () => {
    expect(parseLabels(["source=cms", "query=a=b", "empty="])).toEqual({
      source: "cms",
      query: "a=b",
      empty: "",
    });
  });

  it("refuses a pair without a key", () => {
    expect(usageErrorOf(() => parseLabels(["=value"])).message).toContain("key=value");
    expect(usageErrorOf(() => parseLabels(["novalue"])).message).toContain("key=value");
  });

  it("refuses a key given twice rather than keeping either value", () => {
    expect(usageErrorOf(() => parseLabels(["a=1", "a=2"])).message).toContain("twice");
  });
});

describe("parseCommandLine", () => {
  it("shows the overview for no arguments, --help, -h and help", () => {
    for (const argv of [[], ["--help"], ["-h"], ["help"]]) {
      expect(parseCommandLine(argv)).toEqual({ command: "help", topic: null });
    }
  });

  it("shows a command's help for `help CMD` and `CMD --help`, even without its operand", () => {
    expect(parseCommandLine(["help", "link"])).toEqual({ command: "help", topic: "link" });
    expect(parseCommandLine(["publish", "--help"])).toEqual({ command: "help", topic: "publish" });
    expect(parseCommandLine(["audit", "-h"])).toEqual({ command: "help", topic: "audit" });
  });

  it("parses publish with the options it was given", () => {
    expect(
      parseCommandLine([
        "publish",
        "data/risk.csv",
        "--name",
        "ward-4-risk",
        "--class",
        "restricted",
        "--model-version",
        "v3",
        "--meta",
        "ward=4",
        "--meta",
        "run=nightly",
        "--json",
      ]),
    ).toEqual({
      command: "publish",
      json: true,
      file: "data/risk.csv",
      name: "ward-4-risk",
      class: "restricted",
      modelVersion: "v3",
      labels: { ward: "4", run: "nightly" },
    });
  });

  it("parses link's duration, uses and recipient", () => {
    expect(
      parseCommandLine(["link", "ver_x", "--ttl", "2h", "--uses", "3", "--to", "a@b.org"]),
    ).toEqual({
      command: "link",
      json: false,
      versionId: "ver_x",
      ttlSeconds: 7200,
      maxUses: 3,
      to: "a@b.org",
    });
  });

  it("maps audit's short option names onto the API's query names, with or without list", () => {
    const expected = {
      command: "audit list",
      json: false,
      query: { linkId: "lnk_x", outcome: "denied", limit: 20 },
    };
    const filters = ["--link", "lnk_x", "--outcome", "denied", "--limit", "20"];
    expect(parseCommandLine(["audit", ...filters])).toEqual(expected);
    expect(parseCommandLine(["audit", "list", ...filters])).toEqual(expected);
    expect(parseCommandLine(["audit"])).toMatchObject({ command: "audit list", query: {} });
  });

  it("reads audit export's range and format, a bare date meaning its midnight in UTC", () => {
    expect(
      parseCommandLine(["audit", "export", "--out", "a.csv", "--since", "2026-12-01"]),
    ).toEqual({
      command: "audit export",
      json: false,
      out: "a.csv",
      force: false,
      query: { format: "ndjson", since: "2026-12-01T00:00:00Z" },
    });
    expect(parseCommandLine(["audit", "verify", "a.ndjson", "--allow-gaps"])).toEqual({
      command: "audit verify",
      json: false,
      file: "a.ndjson",
      allowGaps: true,
      head: false,
      fromStart: false,
    });
  });

  it.each([
    [["audit", "export", "--link", "l1", "--link", "l2", "--out", "q"], "link", "audit export"],
    [["audit", "export", "--out", "a.ndjson", "--out=b.ndjson"], "out", "audit export"],
    [["audit", "--action", "link.issued", "--action", "link.viewed"], "action", "audit list"],
    [["link", "ver_x", "--ttl", "1h", "--ttl", "2h"], "ttl", "link"],
    [["subjects", "list", "--role", "a", "--role", "b"], "role", "subjects list"],
  ])(
    "refuses a single-valued option given twice, naming it, rather than keep the last: %j",
    (argv, option, command) => {
      const error = usageErrorOf(() => parseCommandLine(argv));
      expect(error.message).toBe(
        `--${option} is given more than once; it takes one value, so give it once.`,
      );
      expect(error.command).toBe(command);
    },
  );

  it("keeps every value of a repeatable option, and a flag given twice means it once", () => {
    const argv = ["publish", "f.csv", "--name", "x", "--meta", "a=1", "--meta", "b=2"];
    expect(parseCommandLine(argv)).toMatchObject({ labels: { a: "1", b: "2" } });
    const put = ["subjects", "put", "okta|1", "--role", "a", "--role", "b", "--json", "--json"];
    expect(parseCommandLine(put)).toMatchObject({
      json: true,
      subject: { roles: ["a", "b"] },
    });
  });

  it.each([
    [["audit", "--limit", "-1"], '--limit must be a whole number from 1 to 500, not "-1".'],
    [["audit", "list", "--limit=-1"], '--limit must be a whole number from 1 to 500, not "-1".'],
    [["audit", "--seq", "-3"], '--seq "-3" is not a whole number of at least 1.'],
    [["link", "ver_x", "--uses", "-2"], '--uses "-2" is not a whole number of at least 1.'],
    [["link", "ver_x", "--ttl", "-5m"], '--ttl "-5m" is not a duration; use e.g. 90s,'],
  ])(
    "reads a negative number after an option as its value, for its own rule to refuse: %j",
    (argv, message) => {
      expect(usageErrorOf(() => parseCommandLine(argv)).message).toContain(message);
    },
  );

  it("explains a word starting with '-' where a value belongs, and --option=VALUE takes it", () => {
    const note = usageErrorOf(() => parseCommandLine(["approve", "lnk_x", "--note", "-x"]));
    expect(note.message).toBe(
      '--note needs a value, and "-x" after it is read as an option; if "-x" is the value, ' +
        "write --note=-x.",
    );
    expect(note.command).toBe("approve");
    const missing = usageErrorOf(() => parseCommandLine(["audit", "--limit", "--json"]));
    expect(missing.message).toMatch(/^--limit needs a value, and "--json" after it is read as/);
    expect(parseCommandLine(["approve", "lnk_x", "--note=-x"])).toMatchObject({ note: "-x" });
    expect(parseCommandLine(["versions", "--", "-1"])).toMatchObject({ name: "-1" });
  });

  it("points a bad option value at the help of the command it was given to", () => {
    const error = usageErrorOf(() => parseCommandLine(["link", "ver_x", "--ttl", "soon"]));
    expect(error.command).toBe("link");
  });

  it.each([
    [["publish", "f.csv"], "--name"],
    [["publish", "--name", "x"], "one FILE"],
    [["publish", "a", "b", "--name", "x"], "one FILE"],
    [["publish", "f.csv", "--name", "x", "--class", "secret"], "--class must be one of"],
    [["link"], "one VERSION_ID"],
    [["audit", "extra"], 'audit takes list, head, export, verify, not "extra"'],
    [["audit", "list", "extra"], "no operand"],
    [["audit", "export"], "--out FILE"],
    [["audit", "export", "--out", "f", "--format", "xml"], "--format must be one of"],
    [
      ["audit", "export", "--out", "f", "--since", "last week"],
      '--since "last week" is not an ISO 8601',
    ],
    [["audit", "verify"], "one FILE"],
    [["status", "lnk_x", "--bogus"], "Unknown option '--bogus'."],
    [["link", "ver_x", "--ttl"], "argument missing"],
    [["frobnicate"], 'no command "frobnicate"'],
    [["--json"], "must follow a command"],
    [["help", "frobnicate"], 'no command "frobnicate"'],
  ])("refuses %j as a usage error", (argv, message) => {
    expect(usageErrorOf(() => parseCommandLine(argv)).message).toContain(message);
  });
});

describe("webhook options checked before anything is sent", () => {
  const WEBHOOK = "whk_aaaaaaaaaaaaaaaaaaaaaa";

  it.each([
    [["webhooks", "deliveries", WEBHOOK, "--limit", "500"], '--limit "500" is more than 200'],
    [["webhooks", "deliveries", WEBHOOK, "--limit", "0"], "from 1 to 200"],
    [["webhooks", "update", WEBHOOK, "--disable", "--enable"], "--disable or --enable, not both"],
  ])("refuses %j as a usage error", (argv, message) => {
    expect(usageErrorOf(() => parseCommandLine(argv)).message).toContain(message);
  });

  it("a deliveries page of 200, the most, is sent as asked", () => {
    const argv = ["webhooks", "deliveries", WEBHOOK, "--limit", "200"];
    expect(parseCommandLine(argv)).toMatchObject({ webhookId: WEBHOOK, limit: 200 });
  });
});
