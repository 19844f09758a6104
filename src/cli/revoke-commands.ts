/**
 * `portcullis revoke --version|--object|--subject|--everything`: many links in one request.
 * Revoking every link of the tenant asks for the confirmation phrase first, typed at the
 * terminal; without a terminal only `--yes` says it, so a script cannot do it by accident.
 */
import {
  type PortcullisClient,
  REVOKE_ALL_CONFIRMATION,
  type RevocationSelector,
} from "../client/index.ts";
import { formatFields } from "./format.ts";
import { NotConfirmedError, type Outcome, type Prompt } from "./outcome.ts";
import type { BulkSelector } from "./revoke-options.ts";
import { UsageError } from "./usage.ts";

export interface BulkRevokeArgs {
  selector: BulkSelector;
  note?: string;
  yes: boolean;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

function selected(selector: BulkSelector): string {
  if ("versionId" in selector) {
    return `to version ${selector.versionId} (bundles holding it included)`;
  }
  if ("objectName" in selector) {
    return `to object ${selector.objectName} (all its versions, bundles included)`;
  }
  if ("subjectId" in selector) return `bound to subject ${selector.subjectId}`;
  return "of the tenant";
}

async function confirmEverything(prompt: Prompt | undefined): Promise<void> {
  if (!prompt?.isTTY) {
    throw new UsageError(
      "revoke --everything asks for confirmation at a terminal; without one, add --yes.",
      "revoke",
    );
  }
  const answer = await prompt.ask(
    "This revokes every link of your tenant, and downloads in progress end.\n" +
      `Type "${REVOKE_ALL_CONFIRMATION}" to go on: `,
  );
  if (answer?.trim() !== REVOKE_ALL_CONFIRMATION) {
    throw new NotConfirmedError(
      `Nothing was revoked: the answer was not "${REVOKE_ALL_CONFIRMATION}".`,
    );
  }
}

export async function revokeInBulk(
  client: PortcullisClient,
  args: BulkRevokeArgs,
  prompt: Prompt | undefined,
): Promise<Outcome> {
  let selector: RevocationSelector;
  if ("everything" in args.selector) {
    if (!args.yes) await confirmEverything(prompt);
    selector = { everything: true, confirm: REVOKE_ALL_CONFIRMATION };
  } else {
    selector = args.selector;
  }

  const result = await client.revokeLinks({ ...selector, note: args.note });
  const heading = `Revoked ${plural(result.linksRevoked, "link")} ${selected(args.selector)}.`;
  const fields = formatFields([
    ["linksRevoked", String(result.linksRevoked)],
    ["alreadyInactive", String(result.alreadyInactive)],
  ]);
  return { json: result, text: `${heading}\n${fields}` };
}
