/** Small guarded reads of browser features, for views (each may be missing or throw in some browser). */
import type { LocaleStorage } from "../i18n/locale";
import { browserLanguages } from "../i18n/locale";

/** localStorage, or null where it is disabled (some privacy modes throw on access). */
export function browserStorage(): (Storage & LocaleStorage) | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** navigator.languages, most preferred first (may hold invalid tags such as "C": i18n/locale.ts copes). */
export function navigatorLanguages(): string[] {
  return browserLanguages(typeof navigator === "undefined" ? undefined : navigator);
}

export function matches(query: string): boolean {
  return window.matchMedia?.(query).matches ?? false;
}
