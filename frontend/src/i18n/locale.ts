/**
 * Which language the interface speaks and which locale formats dates. Pure: the browser's languages and the
 * storage are passed in.
 *
 * Policy:
 *  - The user's choice (stored under STORAGE_KEY) wins; else the first of `navigator.languages` that we speak:
 *    any Chinese tag (zh, zh-CN, zh-Hans, zh-TW, ...) gets Simplified Chinese, the only Chinese we have; any
 *    English tag gets English; else English.
 *  - Browser tags are not trusted to be valid: WebKitGTK under a C locale reports "C", and some systems give
 *    "en_US.UTF-8". A tag is cleaned up (charset and modifier dropped, `_` to `-`) and checked with
 *    `Intl.getCanonicalLocales`; one that still is not valid is skipped, never passed to an Intl constructor.
 *  - Dates and numbers use the browser's own tag when it is of the interface language (en-GB keeps its 24-hour
 *    clock under the English interface), else the interface language itself.
 */

export type Locale = "en" | "zh-CN";
export const LOCALES: readonly Locale[] = ["en", "zh-CN"];
export const DEFAULT_LOCALE: Locale = "en";
/** Each language's name in itself, for the language picker (never translated). */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: "English", "zh-CN": "简体中文" };
export const STORAGE_KEY = "parley.locale";

export interface LocaleStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A browser language tag made valid (`en_US.UTF-8` → `en-US`), or null when it is not a language tag ("C"). */
export function canonicalTag(tag: string): string | null {
  const cleaned = tag.trim().split(/[.@]/)[0].replace(/_/g, "-");
  if (!cleaned) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(cleaned);
    return canonical ?? null;
  } catch {
    return null;
  }
}

function language(tag: string): string {
  return tag.split("-")[0].toLowerCase();
}

function localeOfLanguage(lang: string): Locale | null {
  if (lang === "zh") return "zh-CN";
  if (lang === "en") return "en";
  return null;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** The interface language for these browser languages (most preferred first). */
export function negotiateLocale(languages: readonly string[]): Locale {
  for (const raw of languages) {
    const tag = canonicalTag(raw);
    const locale = tag ? localeOfLanguage(language(tag)) : null;
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

/** The locale for Intl formatting under the interface language `ui` (see module policy). */
export function formatLocaleFor(ui: Locale, languages: readonly string[]): string {
  for (const raw of languages) {
    const tag = canonicalTag(raw);
    if (tag && language(tag) === language(ui)) {
      // Chinese: keep the browser's region/script only when it is Simplified (zh-Hant dates under a zh-CN UI
      // would mix scripts).
      if (ui === "zh-CN" && !/^zh(-Hans)?(-(CN|SG|MY))?$/i.test(tag)) return ui;
      return tag;
    }
  }
  return ui;
}

/** The browser's languages, most preferred first; never throws, may be empty. */
export function browserLanguages(nav: { languages?: readonly string[]; language?: string } | undefined): string[] {
  if (!nav) return [];
  const list = nav.languages?.length ? [...nav.languages] : [];
  if (!list.length && nav.language) list.push(nav.language);
  return list;
}

export function readStoredLocale(storage: LocaleStorage | null): Locale | null {
  try {
    const value = storage?.getItem(STORAGE_KEY) ?? null;
    return isLocale(value) ? value : null;
  } catch {
    return null;
  }
}

/** Remembers the user's choice; null forgets it (follow the browser again). */
export function storeLocale(storage: LocaleStorage | null, locale: Locale | null): void {
  try {
    if (locale === null) storage?.removeItem(STORAGE_KEY);
    else storage?.setItem(STORAGE_KEY, locale);
  } catch {
    // Storage disabled or full: the choice lasts for this page only.
  }
}

/** The interface language: the stored choice, else the browser's. */
export function initialLocale(storage: LocaleStorage | null, languages: readonly string[]): Locale {
  return readStoredLocale(storage) ?? negotiateLocale(languages);
}
