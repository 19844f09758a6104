import { describe, expect, it } from "vitest";
import { guessContentType } from "../../src/cli/content-type.ts";

describe("guessContentType", () => {
  it.each([
    ["FY_2024_Hospital_Readmissions.csv", "text/csv"],
    ["report.JSON", "application/json"],
    ["MODEL_CARD.md", "text/markdown"],
    ["events.ndjson", "application/x-ndjson"],
    ["cohort.parquet", "application/vnd.apache.parquet"],
    ["/abs/path/archive.tar", "application/x-tar"],
    ["bundle.zip", "application/zip"],
  ])("guesses %s as %s", (path, type) => {
    expect(guessContentType(path)).toBe(type);
  });

  it("sends a Keras model as opaque bytes, not as a zip to be unpacked", () => {
    expect(guessContentType("diabetes_readmission_nn.keras")).toBe("application/octet-stream");
  });

  it.each(["weights.safetensors", "README", "archive.", ".env", "data.csv.unknownext"])(
    "falls back to application/octet-stream for %j",
    (path) => {
      expect(guessContentType(path)).toBe("application/octet-stream");
    },
  );
});
