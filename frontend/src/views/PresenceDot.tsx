import type { I18n } from "../i18n";
import type { ShownStatus } from "../presence_data";

/**
 * A presence mark that does not rely on colour: each status has its own shape (online a filled disc, idle a
 * half-filled one, offline a ring, unknown a dashed ring) and the text beside it says the status too.
 */
export function PresenceDot(props: { status: ShownStatus }) {
  return <span class={`presence-dot ${props.status}`} data-testid="presence-dot" aria-hidden="true" />;
}

export function statusText(t: I18n, status: ShownStatus): string {
  switch (status) {
    case "online":
      return t.t("presence.online");
    case "idle":
      return t.t("presence.idle");
    case "offline":
      return t.t("presence.offline");
    default:
      return t.t("presence.unknown");
  }
}
