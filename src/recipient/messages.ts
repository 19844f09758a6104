/**
 * What a recipient reads when a link cannot be used: for every denial and outage, a title, an
 * explanation and a next step, worded the same on the denial page, the landing notice and in JSON.
 */
import type { DenialCode } from "../links/model.ts";

/** Every code a recipient page can explain. `not_found` reads exactly like `token_invalid`. */
export type RecipientPageCode = DenialCode | "not_found" | "storage_unavailable" | "internal_error";

export interface RecipientMessage {
  title: string;
  explanation: string;
  nextStep: string;
}

const ASK_SENDER = "Ask the person who sent you the link for a new one.";
const TRY_LATER =
  "Try again in a few minutes. If it keeps happening, tell the person who sent you the link.";

/** An unknown link and a bad token say the same thing, so a page never confirms a link exists. */
const INVALID_LINK: RecipientMessage = {
  title: "This link is not valid",
  explanation:
    "The address may be incomplete or mistyped, or the link is no longer accepted. Check that " +
    "you opened the whole link from the message you received.",
  nextStep: "If it still does not work, ask the person who sent you the link for a new one.",
};

const MESSAGES: Record<RecipientPageCode, RecipientMessage> = {
  link_expired: {
    title: "This link has expired",
    explanation: "Links to sensitive files work only for a short time, and this one's time is up.",
    nextStep: ASK_SENDER,
  },
  link_revoked: {
    title: "This link has been withdrawn",
    explanation:
      "The sender or an administrator revoked this link, so it no longer gives access to the file.",
    nextStep: "If you still need the file, ask the person who sent you the link for a new one.",
  },
  version_purged: {
    title: "This file is no longer kept",
    explanation:
      "The file's retention period has ended, so its contents were deleted and every link to " +
      "it was closed.",
    nextStep: "If you still need it, ask the sender whether a newer version was published.",
  },
  link_used_up: {
    title: "This link has been used up",
    explanation:
      "The link allowed a set number of downloads, and all of them have been used. If you " +
      "downloaded the file earlier, look for it in your downloads folder.",
    nextStep: "If you need it again, ask the person who sent you the link for a new one.",
  },
  identity_required: {
    title: "This link is for a named recipient",
    explanation:
      "The file may only be downloaded by the person the link was issued to, and we could not " +
      "confirm that this is you.",
    nextStep:
      "Ask the person who sent you the link to check who it was issued to, or to send you a " +
      "new one.",
  },
  address_not_allowed: {
    title: "This link cannot be opened from this network",
    explanation:
      "The sender limited this link to certain networks, such as your organisation's, and this " +
      "request came from elsewhere.",
    nextStep: "Open the link from your organisation's network, or ask the sender for help.",
  },
  country_not_allowed: {
    title: "This link cannot be opened from this country",
    explanation: "The sender limited this link to certain countries.",
    nextStep: "Ask the person who sent you the link for help.",
  },
  outside_allowed_hours: {
    title: "This link works only during set hours",
    explanation:
      "The sender limited this link to certain days and hours, and it is outside them now.",
    nextStep: "Try again during the allowed hours, or ask the sender which hours apply.",
  },
  approval_pending: {
    title: "This link is waiting for approval",
    explanation:
      "Files of this kind need a second person to approve each link before it can be used. " +
      "Nobody has approved this one yet.",
    nextStep: "Try again later. If it is urgent, tell the person who sent you the link.",
  },
  approval_rejected: {
    title: "This link was not approved",
    explanation: "The person reviewing this link declined it, so it cannot be used.",
    nextStep: ASK_SENDER,
  },
  approval_expired: {
    title: "This link was not approved in time",
    explanation: "Nobody approved this link before its approval window closed.",
    nextStep: ASK_SENDER,
  },
  session_ended: {
    title: "This download has timed out",
    explanation:
      "After you choose Download, there is a short window to fetch or resume the file. That " +
      "window has closed.",
    nextStep:
      "Open the original link again: if it has downloads left, you can start a new download. " +
      "Otherwise, ask the person who sent you the link for a new one.",
  },
  token_invalid: INVALID_LINK,
  not_found: INVALID_LINK,
  storage_unavailable: {
    title: "The file is briefly unavailable",
    explanation: "We could not reach the storage that holds this file just now.",
    nextStep: TRY_LATER,
  },
  internal_error: {
    title: "Something went wrong",
    explanation: "We could not complete this request.",
    nextStep: TRY_LATER,
  },
};

/** The words a recipient reads for a code: the same on the page, the landing notice and in JSON. */
export function recipientMessage(code: RecipientPageCode): RecipientMessage {
  return MESSAGES[code];
}
