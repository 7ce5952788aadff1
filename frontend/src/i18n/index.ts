/**
 * The interface's language: `I18n` bundles one catalogue with its plural rules and date formats, and is what
 * views get from their context (views/i18n_context.ts). Making a new one is how the language is switched.
 */
import { en } from "./en";
import { DateFormats } from "./format";
import { formatLocaleFor, type Locale } from "./locale";
import { translate, type Catalogue, type MessageKey, type Msg, type ParamArgs, type TranslateEnv } from "./translate";
import { zhCN } from "./zh-CN";

export type { Locale } from "./locale";
export type { MessageKey, Msg } from "./translate";
export { msg } from "./translate";

export const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { en, "zh-CN": zhCN };

export class I18n {
  /** the interface language */
  readonly locale: Locale;
  /** the locale dates and numbers are written in (locale.ts `formatLocaleFor`) */
  readonly formatLocale: string;
  readonly dates: DateFormats;
  private readonly env: TranslateEnv;

  constructor(locale: Locale, browserLanguages: readonly string[] = []) {
    this.locale = locale;
    this.formatLocale = formatLocaleFor(locale, browserLanguages);
    this.dates = new DateFormats(this.formatLocale);
    // The format locale was checked valid by formatLocaleFor; the interface locale always is.
    const locales = [this.formatLocale, locale];
    this.env = {
      catalogue: CATALOGUES[locale],
      plural: new Intl.PluralRules(locales),
      number: new Intl.NumberFormat(locales),
    };
  }

  t<K extends MessageKey>(key: K, ...args: ParamArgs<K>): string {
    return translate(this.env, key, args[0] as Record<string, string | number> | undefined);
  }

  /** A message made by a data or action module. */
  text(m: Msg): string {
    return translate(this.env, m.key, m.params);
  }

  /** A count in the reader's number format (1,234 / 1.234). */
  number(n: number): string {
    return this.env.number.format(n);
  }

  time(ms: number): string {
    return this.dates.time(ms);
  }

  fullTimestamp(ms: number): string {
    return this.dates.full(ms);
  }

  /** "Today", "Yesterday", "Wednesday, June 4". */
  day(dayStart: number, now: number): string {
    const label = this.dates.day(dayStart, now);
    if (label.kind === "today") return this.t("time.today");
    if (label.kind === "yesterday") return this.t("time.yesterday");
    return label.text;
  }

  /** A member's line when offline: "last seen 5 minutes ago", "last seen just now", or "offline". */
  lastSeen(lastSeen: number | null, now: number): string {
    const label = this.dates.lastSeen(lastSeen, now);
    if (label.kind === "unknown") return this.t("presence.offline");
    if (label.kind === "just_now") return this.t("presence.lastSeenJustNow");
    return this.t("presence.lastSeen", { when: label.text });
  }
}
