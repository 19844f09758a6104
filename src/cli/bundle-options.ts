/**
 * `portcullis bundle`'s operands: version ids to make a bundle of, or one bundle id to show.
 * Ids are told apart by their prefix, so a mix, or an id of any other kind, is a usage error.
 */
import { parseDistinct, UsageError } from "./usage.ts";

/** `bundle VERSION_ID… --name NAME` makes a bundle; `bundle BUNDLE_ID` shows one. */
export function parseBundle(
  ids: readonly string[],
  name: string | undefined,
): { name: string; versionIds: string[] } | { bundleId: string } {
  const [first] = ids;
  if (ids.length === 1 && first?.startsWith("bdl_")) {
    if (name !== undefined) throw new UsageError("--name goes with VERSION_IDs, not a BUNDLE_ID.");
    return { bundleId: first };
  }
  for (const id of ids) {
    if (id.startsWith("bdl_")) {
      throw new UsageError(`"${id}" is a bundle id: bundles are made of versions.`);
    }
    if (!id.startsWith("ver_")) {
      throw new UsageError(`"${id}" is not a version id (ver_…): bundles are made of versions.`);
    }
  }
  if (!name) throw new UsageError("bundle needs --name NAME: the ZIP downloads as NAME.zip.");
  return { name, versionIds: parseDistinct("VERSION_ID", ids) };
}
