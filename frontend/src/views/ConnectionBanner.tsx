import type { ChatClient } from "../client";
import { useI18n } from "./i18n_context";

/**
 * Always-present live region; the banner inside appears only while the socket is down, and says "offline" when
 * the browser knows the network is gone (no use pressing retry then).
 */
export function ConnectionBanner(props: { client: ChatClient }) {
  const t = useI18n();
  const { conn } = props.client;
  const down = conn.state === "reconnecting" || conn.state === "connecting";
  const offline = typeof navigator !== "undefined" && navigator.onLine === false;
  let text = conn.state === "connecting" ? t.t("conn.connecting") : t.t("conn.reconnecting");
  if (offline) text = t.t("conn.offline");
  return (
    <div class="conn-region" role="status" aria-live="polite" data-testid="connection-status" data-state={conn.state}>
      {down && (
        <div class="conn-banner" data-testid="connection-banner" data-state={conn.state} data-offline={offline ? "true" : undefined}>
          <span class="spinner" aria-hidden="true" />
          <span>{text}</span>
          {conn.state === "reconnecting" && !offline && (
            <button type="button" class="link" data-testid="reconnect-now" onClick={() => props.client.reconnectNow()}>
              {t.t("conn.retryNow")}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
