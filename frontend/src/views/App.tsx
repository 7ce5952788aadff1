import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { Api, ApiError, NetworkError, describeError } from "../api";
import { I18n, msg, type Msg } from "../i18n";
import { inviteFromLocation } from "../invite_data";
import { initialLocale, readStoredLocale, storeLocale, type Locale } from "../i18n/locale";
import type { Me } from "../protocol";
import { AuthScreen } from "./AuthScreen";
import { browserStorage, navigatorLanguages } from "./browser";
import { ChatScreen } from "./ChatScreen";
import { LanguageContext } from "./i18n_context";
import { OfflineScreen } from "./OfflineScreen";
import { useAppHeight } from "./viewport";

type Boot =
  | { kind: "loading" }
  | { kind: "offline" }
  | { kind: "anon"; message: Msg | null }
  | { kind: "authed"; me: Me };

const api = new Api();

/** Once used, an invite link leaves the address bar: it cannot work twice. */
function forgetInvite(): void {
  if (inviteFromLocation(window.location)) window.history.replaceState(null, "", "/");
}

export function App() {
  const storage = useMemo(browserStorage, []);
  const [locale, setLocaleState] = useState<Locale>(() => initialLocale(storage, navigatorLanguages()));
  const [languages, setLanguages] = useState(navigatorLanguages);
  const i18n = useMemo(() => new I18n(locale, languages), [locale, languages]);
  const language = useMemo(
    () => ({
      i18n,
      setLocale: (next: Locale) => {
        storeLocale(storage, next);
        setLocaleState(next);
      },
    }),
    [i18n, storage],
  );
  const [boot, setBoot] = useState<Boot>({ kind: "loading" });
  const [invite, setInvite] = useState<string | null>(() => inviteFromLocation(window.location));
  useAppHeight();

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  // The browser's language changed: follow it unless the user picked one in the app.
  useEffect(() => {
    const onChange = () => {
      const langs = navigatorLanguages();
      setLanguages(langs);
      if (!readStoredLocale(storage)) setLocaleState(initialLocale(null, langs));
    };
    window.addEventListener("languagechange", onChange);
    return () => window.removeEventListener("languagechange", onChange);
  }, [storage]);

  /** Who is logged in? `quiet` (a retry from the offline screen) keeps the current screen while asking. */
  const check = (quiet = false) => {
    if (!quiet) setBoot({ kind: "loading" });
    api.me().then(
      (me) => setBoot({ kind: "authed", me }),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) setBoot({ kind: "anon", message: null });
        else if (err instanceof NetworkError) setBoot({ kind: "offline" });
        else setBoot({ kind: "anon", message: describeError(err) });
      },
    );
  };

  useEffect(() => check(), []);
  const retry = useCallback(() => check(true), []);

  let screen;
  if (boot.kind === "loading") {
    screen = (
      <div class="splash" data-testid="app-loading" role="status">
        {i18n.t("app.loading")}
      </div>
    );
  } else if (boot.kind === "offline") {
    screen = <OfflineScreen onRetry={retry} />;
  } else if (boot.kind === "anon") {
    screen = (
      <AuthScreen
        api={api}
        initialError={boot.message}
        invite={invite}
        onInviteUsed={() => {
          forgetInvite();
          setInvite(null);
        }}
        onAuthed={(me) => setBoot({ kind: "authed", me })}
      />
    );
  } else {
    screen = (
      <ChatScreen
        key={boot.me.id}
        api={api}
        me={boot.me}
        onSessionEnded={(reason) =>
          setBoot({ kind: "anon", message: reason === "logout" ? null : msg("app.sessionEnded") })
        }
      />
    );
  }
  return <LanguageContext.Provider value={language}>{screen}</LanguageContext.Provider>;
}
