/**
 * Rule: a one-time link's download session used from a second address. LinkGuard records
 * `download.address_changed` the first time each new address fetches under a session (resuming
 * from another network is allowed, see docs/design.md); for a one-time link that is worth an
 * alert, since its one download may have been shared. Multi-use links stay quiet: their
 * recipients may fairly download from several places.
 */
import type { AlertRule } from "./rule.ts";

export const secondAddress: AlertRule = async ({ event, settings }) => {
  if (!settings.secondAddress.enabled || event.action !== "download.address_changed") return [];
  if (event.detail?.oneTime !== true) return [];

  return [
    {
      key: "second_address",
      action: "alert.second_address",
      reason: "session_address_changed",
      aboutLink: true,
      detail: { firstAddress: event.detail.firstAddress ?? null, address: event.clientIp },
    },
  ];
};
