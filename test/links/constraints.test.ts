import { describe, expect, it } from "vitest";
import { checkConstraints, constraintsSchema, localClock } from "../../src/links/constraints.ts";

const at = (iso: string) => Date.parse(iso);
const anywhere = { ip: "203.0.113.9", country: "US" };

describe("address ranges", () => {
  const constraints = { ipRanges: ["10.20.0.0/16", "2001:db8:abcd::/48"] };

  it.each([
    ["10.20.3.4", null],
    ["10.21.0.1", "address_not_allowed"],
    ["2001:db8:abcd:12::1", null],
    ["2001:db8:abce::1", "address_not_allowed"],
    // An IPv4 client seen through an IPv6 socket is still the IPv4 client.
    ["::ffff:10.20.9.9", null],
    ["not-an-address", "address_not_allowed"],
  ])("%s → %s", (ip, expected) => {
    expect(checkConstraints(constraints, { ip, country: "US" }, Date.now())).toBe(expected);
  });

  it("a request without a client address is refused", () => {
    expect(checkConstraints(constraints, { ip: null, country: "US" }, Date.now())).toBe(
      "address_not_allowed",
    );
  });
});

describe("countries", () => {
  it("admits listed countries and refuses others and unknown ones", () => {
    const constraints = { countries: ["US", "CA"] };
    expect(checkConstraints(constraints, { ip: null, country: "CA" }, 0)).toBeNull();
    expect(checkConstraints(constraints, { ip: null, country: "DE" }, 0)).toBe(
      "country_not_allowed",
    );
    expect(checkConstraints(constraints, { ip: null, country: null }, 0)).toBe(
      "country_not_allowed",
    );
  });
});

describe("allowed hours in a named time zone", () => {
  const weekdaysInNewYork = {
    hours: {
      days: ["mon", "tue", "wed", "thu", "fri"] as ("mon" | "tue" | "wed" | "thu" | "fri")[],
      from: "08:00",
      to: "18:00",
      timeZone: "America/New_York",
    },
  };

  it("follows daylight saving: 12:30 UTC is 07:30 in January but 08:30 in July", () => {
    expect(localClock(at("2026-01-14T12:30:00Z"), "America/New_York")).toEqual({
      day: "wed",
      time: "07:30",
    });
    expect(checkConstraints(weekdaysInNewYork, anywhere, at("2026-01-14T12:30:00Z"))).toBe(
      "outside_allowed_hours",
    );
    expect(checkConstraints(weekdaysInNewYork, anywhere, at("2026-07-15T12:30:00Z"))).toBeNull();
  });

  it("uses the zone's weekday, not UTC's: Friday 23:00 in New York is Saturday in UTC", () => {
    const fridayEvening = { hours: { ...weekdaysInNewYork.hours, from: "20:00", to: "23:59" } };
    const saturdayUtc = at("2026-03-07T04:00:00Z"); // Fri 6 Mar 23:00 EST
    expect(localClock(saturdayUtc, "America/New_York").day).toBe("fri");
    expect(checkConstraints(fridayEvening, anywhere, saturdayUtc)).toBeNull();
  });

  it("the end of the window is exclusive", () => {
    expect(checkConstraints(weekdaysInNewYork, anywhere, at("2026-07-15T22:00:00Z"))).toBe(
      "outside_allowed_hours",
    );
    expect(checkConstraints(weekdaysInNewYork, anywhere, at("2026-07-15T21:59:00Z"))).toBeNull();
  });

  it("refuses weekends", () => {
    expect(checkConstraints(weekdaysInNewYork, anywhere, at("2026-07-18T15:00:00Z"))).toBe(
      "outside_allowed_hours",
    );
  });
});

describe("validation", () => {
  it.each([
    [{ ipRanges: ["10.0.0.0/33"] }, "ipRanges"],
    [{ ipRanges: ["banana"] }, "ipRanges"],
    [{ countries: ["usa"] }, "countries"],
    [{ hours: { days: ["mon"], from: "18:00", to: "08:00", timeZone: "UTC" } }, "hours"],
    [{ hours: { days: ["mon"], from: "8:00", to: "18:00", timeZone: "UTC" } }, "hours"],
    [{ hours: { days: ["mon"], from: "08:00", to: "18:00", timeZone: "Mars/Olympus" } }, "hours"],
    [{ hours: { days: [], from: "08:00", to: "18:00", timeZone: "UTC" } }, "hours"],
    [{ somethingElse: true }, ""],
  ])("%o is refused at %s", (input, field) => {
    const parsed = constraintsSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path[0] ?? "").toBe(field);
  });
});
