/**
 * The interface language for views: `useI18n()` gives the current `I18n` (t, dates), `useLocaleControl()` the
 * chosen language and a way to change it. The App owns the state; changing it re-renders every view.
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { I18n, Locale } from "../i18n";

export interface LanguageState {
  i18n: I18n;
  setLocale: (locale: Locale) => void;
}

export const LanguageContext = createContext<LanguageState | null>(null);

function useLanguage(): LanguageState {
  const state = useContext(LanguageContext);
  if (!state) throw new Error("A view was rendered outside <LanguageContext.Provider>.");
  return state;
}

export function useI18n(): I18n {
  return useLanguage().i18n;
}

export function useLocaleControl(): { locale: Locale; setLocale: (locale: Locale) => void } {
  const { i18n, setLocale } = useLanguage();
  return { locale: i18n.locale, setLocale };
}
