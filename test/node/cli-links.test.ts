import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { parseHours } from "../../src/cli/link-options.ts";
import { EXIT_API_ERROR, EXIT_OK, EXIT_USAGE } from "../../src/cli/main.ts";
import { cli, fakeFetch, json, LINK, usageErrorOf } from "./fixtures.ts";

const PENDING = {
  ...LINK,
  status: "pending_approval",
  approval: {
    status: "pending",
    decidedBy: null,
    decidedAt: null,
    expiresAt: "2026-01-02T00:00:00.000Z",
  },
};

describe("parseHours", () => {
  it.each([
    [
      "mon-fri 08:00-18:00 America/New_York",
      {
        days: ["mon", "tue", "wed", "thu", "fri"],
        from: "08:00",
        to: "18:00",
        timeZone: "America/New_York",
      },
    ],
    [
      "sat,sun 9:00-12:30 UTC",
      { days: ["sat", "sun"], from: "09:00", to: "12:30", timeZone: "UTC" },
    ],
    [
      "  Mon-Wed,fri  07:15-07:45  Europe/Berlin ",
      { days: ["mon", "tue", "wed", "fri"], from: "07:15", to: "07:45", timeZone: "Europe/Berlin" },
    ],
    ["fri-mon 00:00-23:59 UTC", { days: ["mon", "fri", "sat", "sun"], from: "00:00", to: "23:59" }],
    ["tue 10:00-11:00 UTC", { days: ["tue"] }],
  ])("reads %j", (text, expected) => {
    expect(parseHours(text)).toMatchObject(expected);
  });

  it.each([
    ["", "is not DAYS HH:MM-HH:MM ZONE"],
    ["mon-fri 08:00-18:00", "is not DAYS HH:MM-HH:MM ZONE"],
    ["mon-fri 08:00-18:00 America/New York", "is not DAYS HH:MM-HH:MM ZONE"],
    ["weekdays 08:00-18:00 UTC", '"weekdays" is not a day'],
    ["mon-fry 08:00-18:00 UTC", '"fry" is not a day'],
    ["mon,,fri 08:00-18:00 UTC", '"" is not a day'],
    ["mon 08:00 UTC", '"08:00" is not a window'],
    ["mon 8-18 UTC", '"8" is not a 24-hour time'],
    ["mon 08:00-24:00 UTC", '"24:00" is not a 24-hour time'],
    ["mon 08:60-09:00 UTC", '"08:60" is not a 24-hour time'],
    ["mon 18:00-08:00 UTC", "must end after it starts"],
    ["mon 08:00-08:00 UTC", "must end after it starts"],
    ["mon 08:00-18:00 Mars/Olympus", '"Mars/Olympus" is not an IANA time zone'],
  ])("refuses %j as a usage error", (text, message) => {
    const error = usageErrorOf(() => parseHours(text));
    expect(error.message).toContain("--hours");
    expect(error.message).toContain(message);
  });
});

describe("parseCommandLine for link", () => {
  it("turns recipient and constraint options into the API's fields", () => {
    expect(
      parseCommandLine([
        "link",
        "ver_x",
        "--subject",
        "dr.okafor@ward4",
        "--group",
        "oncology",
        "--ip",
        "10.20.0.0/16",
        "--ip",
        "2001:db8::/32",
        "--country",
        "us",
        "--country",
        "CA",
        "--hours",
        "mon-fri 08:00-18:00 America/New_York",
      ]),
    ).toEqual({
      command: "link",
      json: false,
      versionId: "ver_x",
      subject: "dr.okafor@ward4",
      group: "oncology",
      constraints: {
        ipRanges: ["10.20.0.0/16", "2001:db8::/32"],
        countries: ["US", "CA"],
        hours: {
          days: ["mon", "tue", "wed", "thu", "fri"],
          from: "08:00",
          to: "18:00",
          timeZone: "America/New_York",
        },
      },
    });
  });

  it("sends no constraints object when no constraint option is given", () => {
    expect(parseCommandLine(["link", "ver_x", "--to", "a@b.org"])).not.toHaveProperty(
      "constraints.ipRanges",
    );
    const invocation = parseCommandLine(["link", "ver_x"]) as { constraints?: unknown };
    expect(invocation.constraints).toBeUndefined();
  });

  it.each([
    [["link", "ver_x", "--ip", "10.20.0.0"], '--ip "10.20.0.0" is not a CIDR range'],
    [["link", "ver_x", "--ip", "10.20.0.0/33"], "is not a CIDR range"],
    [["link", "ver_x", "--country", "USA"], '--country "USA" is not a two-letter'],
    [["link", "ver_x", "--hours", "always"], '--hours "always"'],
    [["approve"], "one LINK_ID"],
    [["reject", "lnk_a", "lnk_b"], "one LINK_ID"],
  ])("refuses %j as a usage error pointing at the command's help", (argv, message) => {
    const error = usageErrorOf(() => parseCommandLine(argv));
    expect(error.message).toContain(message);
    expect(error.command).toBe(argv[0]);
  });

  it("parses approve and reject with an optional note", () => {
    expect(parseCommandLine(["approve", LINK.id, "--note", "cohort checked"])).toEqual({
      command: "approve",
      json: false,
      linkId: LINK.id,
      note: "cohort checked",
    });
    expect(parseCommandLine(["reject", LINK.id, "--json"])).toEqual({
      command: "reject",
      json: true,
      linkId: LINK.id,
    });
  });
});

describe("portcullis link", () => {
  it("sends the recipient and constraints, and prints them with the link", async () => {
    const answer = { ...LINK, url: "https://gw/d/t", recipientSubjectId: "subj-1" };
    const { fetch, sent } = fakeFetch(() => json(201, answer));

    const result = await cli(
      ["link", "ver_x", "--subject", "subj-1", "--country", "us", "--hours", "sat 09:00-12:00 UTC"],
      fetch,
    );

    expect(result.status).toBe(EXIT_OK);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      versionId: "ver_x",
      recipientSubjectId: "subj-1",
      constraints: {
        countries: ["US"],
        hours: { days: ["sat"], from: "09:00", to: "12:00", timeZone: "UTC" },
      },
    });
    expect(result.stdout).toMatch(/^subject +subj-1$/m);
    expect(result.stdout).toMatch(/^countries +US$/m);
    expect(result.stdout).toMatch(/^hours +sat 09:00-12:00 UTC$/m);
    expect(result.stdout).not.toMatch(/^approval/m);
    expect(result.stderr).toBe("");
  });

  it("says a pending link waits for approval, and how to approve it", async () => {
    const { fetch } = fakeFetch(() => json(201, { ...PENDING, url: "https://gw/d/t" }));

    const result = await cli(["link", "ver_x"], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(result.stdout).toMatch(/^status +pending_approval$/m);
    expect(result.stdout).toMatch(/^approval +pending, lapses 2026-01-02T00:00:00\.000Z/m);
    expect(result.stderr).toBe(
      "Nothing downloads until someone else with the approve scope runs: " +
        `portcullis approve ${LINK.id}\n`,
    );
  });

  it("with --json prints only the link on stdout, the approval reminder on stderr", async () => {
    const issued = { ...PENDING, url: "https://gw/d/t" };
    const { fetch } = fakeFetch(() => json(201, issued));

    const result = await cli(["link", "ver_x", "--json"], fetch);

    expect(JSON.parse(result.stdout)).toEqual(issued);
    expect(result.stderr).toContain(`portcullis approve ${LINK.id}`);
  });

  it("a malformed --hours is a usage error that sends nothing", async () => {
    const { fetch, sent } = fakeFetch(() => json(201, {}));

    const result = await cli(["link", "ver_x", "--hours", "mon-fri 9-5 EST5EDT"], fetch);

    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/^error usage: --hours .*See portcullis link --help\.\n$/);
    expect(sent).toEqual([]);
  });
});

describe("portcullis approve and reject", () => {
  it("approve posts the note to the link's approve path and prints who approved", async () => {
    const approved = {
      ...LINK,
      approval: {
        status: "approved",
        decidedBy: "second-pair-of-eyes",
        decidedAt: "2026-01-01T01:00:00.000Z",
        expiresAt: "2026-01-02T00:00:00.000Z",
      },
    };
    const { fetch, sent } = fakeFetch(() => json(200, approved));

    const result = await cli(["approve", LINK.id, "--note", "cohort checked"], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(sent[0]?.method).toBe("POST");
    expect(sent[0]?.url).toBe(`https://gw.example.org/v1/links/${LINK.id}/approve`);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({ note: "cohort checked" });
    expect(result.stdout).toMatch(new RegExp(`^Approved ${LINK.id}\\.$`, "m"));
    expect(result.stdout).toMatch(
      /^approval +approved by second-pair-of-eyes at 2026-01-01T01:00:00\.000Z$/m,
    );
  });

  it("reject without a note sends an empty body to the reject path", async () => {
    const rejected = {
      ...LINK,
      status: "rejected",
      approval: { ...PENDING.approval, status: "rejected", decidedBy: "b", decidedAt: "t" },
    };
    const { fetch, sent } = fakeFetch(() => json(200, rejected));

    const result = await cli(["reject", LINK.id], fetch);

    expect(sent[0]?.url).toBe(`https://gw.example.org/v1/links/${LINK.id}/reject`);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({});
    expect(result.stdout).toMatch(/^status +rejected$/m);
  });

  it("an issuer approving their own link gets the API's refusal, exit status 1", async () => {
    const { fetch } = fakeFetch(() =>
      json(403, {
        code: "issuer_cannot_approve",
        detail: "Another person must decide on this link.",
      }),
    );

    const result = await cli(["approve", LINK.id], fetch);

    expect(result.status).toBe(EXIT_API_ERROR);
    expect(result.stderr).toMatch(
      /^error issuer_cannot_approve: Another person must decide on this link\. \(request req_/,
    );
  });

  it("status shows a bundle link's bundle, its binding and its approval", async () => {
    const bundleLink = {
      ...PENDING,
      versionId: null,
      bundleId: "bnd_AAAAAAAAAAAAAAAAAAAAAA",
      recipientGroup: "oncology",
    };
    const { fetch } = fakeFetch(() => json(200, bundleLink));

    const result = await cli(["status", LINK.id], fetch);

    expect(result.status).toBe(EXIT_OK);
    expect(result.stdout).toMatch(/^bundle +bnd_A{22} \(restricted\)$/m);
    expect(result.stdout).toMatch(/^group +oncology$/m);
    expect(result.stdout).toMatch(/^approval +pending/m);
  });

  it("have help pages, listed in the overview", async () => {
    for (const command of ["approve", "reject", "link"]) {
      const result = await cli([command, "--help"]);
      expect(result.status).toBe(EXIT_OK);
      expect(result.stdout).toMatch(new RegExp(`^Usage: portcullis ${command} `));
    }
    expect((await cli(["link", "--help"])).stdout).toContain("--hours");
    const overview = (await cli(["--help"])).stdout;
    expect(overview).toContain("approve LINK_ID");
    expect(overview).toContain("reject LINK_ID");
  });
});
