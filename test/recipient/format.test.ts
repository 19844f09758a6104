import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatExactBytes,
  formatUtc,
  relativeTime,
} from "../../src/recipient/format.ts";

const NOW = Date.UTC(2026, 11, 3, 16, 30, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("formatting helpers", () => {
  it.each([
    [0, "0 bytes"],
    [1, "1 byte"],
    [999, "999 bytes"],
    [1000, "1 kB"],
    [1536, "1.5 kB"],
    [999_499, "999 kB"],
    [999_500, "1 MB"],
    [12_400_512, "12.4 MB"],
    [5_000_000_000, "5 GB"],
    [7_300_000_000_000_000, "7300 TB"],
  ])("formatBytes(%d) is %s", (size, expected) => {
    expect(formatBytes(size)).toBe(expected);
  });

  it("exact sizes group thousands without depending on the locale", () => {
    expect(formatExactBytes(1)).toBe("1 byte");
    expect(formatExactBytes(999)).toBe("999 bytes");
    expect(formatExactBytes(1_234_567_890)).toBe("1,234,567,890 bytes");
  });

  it("UTC times are absolute and name the zone", () => {
    expect(formatUtc(Date.UTC(2027, 0, 1, 0, 5))).toBe("Fri 1 Jan 2027, 00:05 UTC");
  });

  it.each([
    [3 * HOUR, "in 3 hours"],
    [3 * HOUR - 1, "in 2 hours 59 minutes"],
    [HOUR + MINUTE, "in 1 hour 1 minute"],
    [45 * MINUTE + 59_999, "in 45 minutes"],
    [30_000, "in less than a minute"],
    [0, "less than a minute ago"],
    [26 * HOUR, "in 1 day 2 hours"],
    [72 * HOUR + 30 * MINUTE, "in 3 days"],
    [-2 * HOUR, "2 hours ago"],
  ])("relative time %d ms ahead reads %s, never rounding up", (offset, expected) => {
    expect(relativeTime(NOW + offset, NOW)).toBe(expected);
  });
});
