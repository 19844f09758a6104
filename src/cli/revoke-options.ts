/**
 * `portcullis revoke`'s two forms: one link by its id (`revoke LINK_ID [--reason]`), or every
 * link a selector picks (`revoke --version ID | --object NAME | --subject ID | --everything`,
 * with `--note`). Exactly one of the five; options of the other form are a usage error rather
 * than quietly dropped, so a reason never goes missing from the audit.
 */
import { UsageError } from "./usage.ts";

/** Which links a bulk revocation picks; `everything` gets its confirmation when it runs. */
export type BulkSelector =
  | { versionId: string }
  | { objectName: string }
  | { subjectId: string }
  | { everything: true };

export type RevokeArgs =
  | { linkId: string; reason?: string; selector?: undefined }
  | { selector: BulkSelector; note?: string; yes: boolean; linkId?: undefined };

type Values = Record<string, string | string[] | boolean | undefined>;

const SELECTOR_OPTIONS = ["--version", "--object", "--subject", "--everything"] as const;
const ONE_OF = SELECTOR_OPTIONS.join(", ");

function linkId(operand: string): string {
  if (operand.startsWith("lnk_")) return operand;
  const hint = operand.startsWith("ver_")
    ? `; to revoke every link to that version, use --version ${operand}`
    : "";
  throw new UsageError(`"${operand}" is not a link id (lnk_…)${hint}.`);
}

function versionId(text: string): string {
  if (text.startsWith("ver_")) return text;
  throw new UsageError(`--version "${text}" is not a version id (ver_…).`);
}

function selectorOf(values: Values): BulkSelector[] {
  const text = (name: string) => values[name] as string | undefined;
  const found: BulkSelector[] = [];
  const version = text("version");
  const object = text("object");
  const subject = text("subject");
  if (version !== undefined) found.push({ versionId: versionId(version) });
  if (object !== undefined) found.push({ objectName: object });
  if (subject !== undefined) found.push({ subjectId: subject });
  if (values.everything === true) found.push({ everything: true });
  return found;
}

/** The revoke form the operand and options ask for; `operand` is undefined when none was given. */
export function parseRevoke(operand: string | undefined, values: Values): RevokeArgs {
  const selectors = selectorOf(values);
  const reason = values.reason as string | undefined;
  const note = values.note as string | undefined;
  const yes = values.yes === true;

  if (operand !== undefined) {
    if (selectors.length > 0) {
      throw new UsageError(`revoke takes a LINK_ID or one of ${ONE_OF}, not both.`);
    }
    if (note !== undefined) {
      throw new UsageError("--note goes with a bulk revocation; a link's reason is --reason.");
    }
    if (yes) throw new UsageError("--yes goes with --everything.");
    return { linkId: linkId(operand), reason };
  }

  const [selector, ...more] = selectors;
  if (selector === undefined) {
    throw new UsageError(
      "revoke needs a LINK_ID, or one of --version VERSION_ID, --object NAME, " +
        "--subject SUBJECT_ID, --everything.",
    );
  }
  if (more.length > 0) throw new UsageError(`revoke takes one of ${ONE_OF}, not several.`);
  if (reason !== undefined) {
    throw new UsageError("--reason goes with LINK_ID; a bulk revocation's reason is --note.");
  }
  if (yes && !("everything" in selector)) throw new UsageError("--yes goes with --everything.");
  return { selector, note, yes };
}
