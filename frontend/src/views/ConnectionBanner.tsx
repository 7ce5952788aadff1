import type { ChatClient } from "../client";

/** Always-present live region; the banner inside appears only while the socket is down. */
export function ConnectionBanner(props: { client: ChatClient }) {
  const { conn } = props.client;
  const down = conn.state === "reconnecting" || conn.state === "connecting";
  return (
    <div class="conn-region" role="status" aria-live="polite" data-testid="connection-status" data-state={conn.state}>
      {down && (
        <div class="conn-banner" data-testid="connection-banner" data-state={conn.state}>
          <span class="spinner" aria-hidden="true" />
          <span>{conn.state === "connecting" ? "Connecting…" : "Reconnecting…"}</span>
          {conn.state === "reconnecting" && (
            <button type="button" class="link" data-testid="reconnect-now" onClick={() => props.client.reconnectNow()}>
              Retry now
            </button>
          )}
        </div>
      )}
    </div>
  );
}
