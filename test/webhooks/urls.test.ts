/**
 * Which receiver URLs are accepted, in production and in development: https only, never with
 * credentials, and in production never an address literal outside public unicast space.
 */
import { describe, expect, it } from "vitest";
import { checkWebhookUrl, type UrlRefusal } from "../../src/webhooks/urls.ts";

function refusal(url: string, environment: string): UrlRefusal | null {
  try {
    checkWebhookUrl(url, environment);
    return null;
  } catch (error) {
    return (error as { reason: UrlRefusal }).reason;
  }
}

describe("checkWebhookUrl in production", () => {
  it.each([
    ["https://127.0.0.1/hook"],
    ["https://localhost/hook"],
    ["https://10.1.2.3/hook"],
    ["https://192.168.0.10/hook"],
    ["https://169.254.169.254/latest/meta-data"],
    ["https://[::1]/hook"],
    ["https://[fe80::1]/hook"],
    ["https://[::ffff:10.0.0.1]/hook"],
    ["https://0x7f.1/hook"],
    ["https://localhost./hook"],
    ["https://api.localhost../hook"],
    ["https://[::127.0.0.1]/hook"],
    ["https://[::a00:1]/hook"],
  ])("refuses %s as a private address", (url) => {
    expect(refusal(url, "production")).toBe("url_private_address");
  });

  it("refuses plain http even to loopback", () => {
    expect(refusal("http://127.0.0.1:8080/hook", "production")).toBe("url_scheme");
  });

  it("accepts https to a public name or a public address", () => {
    expect(refusal("https://siem.example.org/hooks/portcullis", "production")).toBeNull();
    expect(refusal("https://1.1.1.1:8443/hook", "production")).toBeNull();
    expect(refusal("https://siem.example.org./hooks", "production")).toBeNull();
    expect(refusal("https://[2606:4700:4700::1111]/hook", "production")).toBeNull();
  });
});

describe("checkWebhookUrl in development", () => {
  it("accepts plain http to loopback only", () => {
    expect(refusal("http://127.0.0.1:8080/hook", "development")).toBeNull();
    expect(refusal("http://localhost:8080/hook", "development")).toBeNull();
    expect(refusal("http://10.0.0.1/hook", "development")).toBe("url_scheme");
  });

  it("refuses credentials in any environment", () => {
    expect(refusal("https://a:b@example.org/", "development")).toBe("url_credentials");
    expect(refusal("https://token@example.org/", "production")).toBe("url_credentials");
  });
});
