import { describe, expect, it } from "vitest";
import { prefersJson } from "../../src/recipient/negotiation.ts";

describe("prefersJson", () => {
  const firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  const chrome =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp," +
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

  it.each<{ rule: string; accept: string | null; json: boolean }>([
    { rule: "Firefox navigation gets HTML", accept: firefox, json: false },
    { rule: "Chrome navigation gets HTML", accept: chrome, json: false },
    { rule: "curl's */* gets JSON", accept: "*/*", json: true },
    { rule: "no Accept gets JSON", accept: null, json: true },
    { rule: "an empty Accept gets JSON", accept: "", json: true },
    { rule: "application/json gets JSON", accept: "application/json", json: true },
    { rule: "problem+json gets JSON", accept: "application/problem+json", json: true },
    { rule: "application/* gets JSON", accept: "application/*", json: true },
    { rule: "text/* gets HTML", accept: "text/*", json: false },
    {
      rule: "JSON weighted above HTML gets JSON",
      accept: "text/html;q=0.5, application/json",
      json: true,
    },
    {
      rule: "HTML weighted above JSON gets HTML",
      accept: "application/json;q=0.5, text/html",
      json: false,
    },
    {
      rule: "a tie with text/html listed gets HTML",
      accept: "application/json, text/html",
      json: false,
    },
    { rule: "JSON refused with q=0 gets HTML", accept: "application/json;q=0, */*", json: false },
    { rule: "HTML refused with q=0 gets JSON", accept: "text/html;q=0, */*;q=0.1", json: true },
    { rule: "media types are case-insensitive", accept: "Application/JSON", json: true },
    {
      rule: "an unreadable weight is skipped, not trusted",
      accept: "application/json;q=2, text/html",
      json: false,
    },
  ])("$rule", ({ accept, json }) => {
    const headers: Record<string, string> = accept === null ? {} : { Accept: accept };
    expect(prefersJson(new Request("https://gw.test/d/x", { headers }))).toBe(json);
  });
});
