/**
 * Entry names inside a bundle's ZIP. Each member keeps its version's file name; names that would
 * collide when extracted get a ` (2)`, ` (3)`… suffix before the extension, in member order, so
 * the same members always get the same names.
 */

/** The manifest entry: one `<sha256>  <name>` line per member, as `sha256sum -c` reads it. */
export const MANIFEST_NAME = "MANIFEST.sha256";

/**
 * Unique entry names for `filenames`, in the same order. Names are compared the way common file
 * systems would clash on extraction: case-insensitively, after Unicode normalisation (NFC).
 * `MANIFEST.sha256` is always taken, so a member of that name is renamed, never the manifest.
 *
 * Version file names never hold `/`, `\` or control characters (publishing refuses them), so an
 * entry name can neither reach outside the folder it is extracted to nor break a manifest line.
 */
export function entryNames(filenames: readonly string[]): string[] {
  const taken = new Set([clashKey(MANIFEST_NAME)]);
  return filenames.map((filename) => {
    const base = plainName(filename);
    let candidate = base;
    for (let copy = 2; taken.has(clashKey(candidate)); copy += 1) {
      candidate = withCopyNumber(base, copy);
    }
    taken.add(clashKey(candidate));
    return candidate;
  });
}

function clashKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** `.` and `..` name directories, not files; a lone surrogate cannot be written as UTF-8. */
function plainName(filename: string): string {
  const wellFormed = filename.replace(/\p{Cs}/gu, "\uFFFD");
  return /^\.*$/.test(wellFormed) ? `_${wellFormed}` : wellFormed;
}

/**
 * `report.csv` → `report (2).csv`; a name without an extension (or a dotfile) gets it at the
 * end.
 */
function withCopyNumber(name: string, copy: number): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)} (${copy})${name.slice(dot)}` : `${name} (${copy})`;
}
