import { useEffect } from "preact/hooks";
import { useI18n } from "./i18n_context";
import { LanguagePicker } from "./LanguagePicker";

/** While offline, ask again this often: the server may come back without the browser noticing any network change. */
const AUTO_RETRY_MS = 5_000;

/**
 * The app shell started (from the service worker's cache) but the server cannot be reached: say so plainly,
 * offer a retry, and retry by itself when the browser reports the network is back, and every AUTO_RETRY_MS.
 */
export function OfflineScreen(props: { onRetry: () => void }) {
  const t = useI18n();
  useEffect(() => {
    window.addEventListener("online", props.onRetry);
    const timer = setInterval(props.onRetry, AUTO_RETRY_MS);
    return () => {
      window.removeEventListener("online", props.onRetry);
      clearInterval(timer);
    };
  }, [props.onRetry]);
  return (
    <main class="auth" data-testid="offline-screen">
      <div class="auth-card" role="alert" aria-labelledby="offline-title">
        <div class="brand" aria-hidden="true">
          <span class="brand-mark">P</span> {t.t("app.name")}
        </div>
        <h1 id="offline-title">{t.t("offline.title")}</h1>
        <p>{t.t("offline.body")}</p>
        <button type="button" class="btn primary wide" data-testid="offline-retry" onClick={props.onRetry}>
          {t.t("offline.retry")}
        </button>
        <LanguagePicker id="offline-language" class="auth-language" />
      </div>
    </main>
  );
}
