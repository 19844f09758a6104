/**
 * A JSON body that gives one key twice in an object is refused: JSON.parse would keep the last
 * value, another reader the first. The scanner that finds such keys is checked against generated
 * JSON too, where the answer is known by construction.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstRepeatedKey } from "../../src/http/repeated-keys.ts";
import { api, publish, seedTenant, utf8 } from "../support/harness.ts";

describe("a JSON body with a key given twice", () => {
  it("is 400 invalid_request naming the key, and issues no link", async () => {
    const tenant = await seedTenant();
    const version = await publish(tenant, utf8("a,b\n"), { class: "internal" });

    const response = await api(tenant, "/links", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: `{"versionId":"${version.versionId}","versionId":"ver_AAAAAAAAAAAAAAAAAAAAAA"}`,
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: "invalid_request",
      detail: 'The key "versionId" is given more than once in one object; give it once.',
    });
  });

  it("is found however it is escaped, and however deep it is nested", () => {
    expect(firstRepeatedKey('{"a":1,"\\u0061":2}')).toBe("a");
    expect(firstRepeatedKey('{"x":[{"k":1},{"k":2,"y":{"q":"}","q":0}}]}')).toBe("q");
  });

  it("the same key in sibling objects, or as a value, is no repeat", () => {
    expect(firstRepeatedKey('{"a":[{"k":1},{"k":2}],"b":{"k":"k"},"c":"a"}')).toBeNull();
    expect(firstRepeatedKey('["a","a",{"a":"\\"a\\":"}]')).toBeNull();
  });

  it("JSON made by JSON.stringify never repeats a key; adding a key again always does", () => {
    const json = fc.jsonValue();
    fc.assert(
      fc.property(json, (value) => {
        expect(firstRepeatedKey(JSON.stringify(value))).toBeNull();
      }),
    );
    const objects = fc.dictionary(fc.string(), json, { minKeys: 1 });
    fc.assert(
      fc.property(objects, (object) => {
        const text = JSON.stringify(object);
        const [key] = Object.keys(object);
        const doubled = `${text.slice(0, -1)},${JSON.stringify(key)}:null}`;
        expect(firstRepeatedKey(doubled)).toBe(key);
      }),
    );
  });
});
