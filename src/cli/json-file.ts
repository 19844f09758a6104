/**
 * Reading a JSON object from a local file (a class policy, the tenant settings), with the CLI's
 * local-file errors. Whether its members are right is the gateway's to say: it names the field
 * it refuses, so only the shape (one JSON object) is checked here.
 */
import { readFile } from "node:fs/promises";
import { LocalFileError } from "./outcome.ts";

/**
 * @param invalidCode the error code for a file that is not one JSON object
 * @param what what the object should be, for the message: "one class's policy", "settings"
 */
export async function readJsonObjectFile(
  path: string,
  invalidCode: string,
  what: string,
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new LocalFileError("file_not_found", `${path} does not exist.`);
    throw new LocalFileError("file_unreadable", `${path} cannot be read (${code ?? "error"}).`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LocalFileError(invalidCode, `${path} is not JSON.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new LocalFileError(invalidCode, `${path} must hold ${what} as a JSON object.`);
  }
  return value as Record<string, unknown>;
}
