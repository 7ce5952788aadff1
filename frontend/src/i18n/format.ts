/**
 * Dates, times and durations in the user's locale, only through Intl. Pure: every call takes the time.
 *
 * Times use `hour: "numeric"`, so a 12-hour clock says "3:41 AM", never "03:41 AM", and a 24-hour locale keeps
 * its own style. Every formatter is built once per locale (building one is slow), and a locale Intl refuses
 * falls back to English instead of throwing (DateTimeFormat throws RangeError on an invalid tag).
 */

/** Builds an Intl object for `locale`, or for English when the locale is refused. */
function safe<T>(make: (locale: string) => T, locale: string): T {
  try {
    return make(locale);
  } catch {
    return make("en");
  }
}

export function startOfLocalDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export type DayLabel = { kind: "today" } | { kind: "yesterday" } | { kind: "date"; text: string };
export type LastSeen = { kind: "unknown" } | { kind: "just_now" } | { kind: "ago"; text: string };

/** Seconds under which "last seen" says "just now" rather than a number of minutes. */
const JUST_NOW_S = 60;

export class DateFormats {
  readonly locale: string;
  private readonly timeFmt: Intl.DateTimeFormat;
  private readonly dayFmt: Intl.DateTimeFormat;
  private readonly dayYearFmt: Intl.DateTimeFormat;
  private readonly fullFmt: Intl.DateTimeFormat;
  private readonly relative: Intl.RelativeTimeFormat;

  constructor(locale: string) {
    this.locale = locale;
    this.timeFmt = safe((l) => new Intl.DateTimeFormat(l, { hour: "numeric", minute: "2-digit" }), locale);
    const day: Intl.DateTimeFormatOptions = { weekday: "long", month: "long", day: "numeric" };
    this.dayFmt = safe((l) => new Intl.DateTimeFormat(l, day), locale);
    this.dayYearFmt = safe((l) => new Intl.DateTimeFormat(l, { ...day, year: "numeric" }), locale);
    this.fullFmt = safe((l) => new Intl.DateTimeFormat(l, { dateStyle: "full", timeStyle: "short" }), locale);
    this.relative = safe((l) => new Intl.RelativeTimeFormat(l, { numeric: "always" }), locale);
  }

  /** "3:41 PM" / "15:41" / "下午3:41". */
  time(ms: number): string {
    return this.timeFmt.format(ms);
  }

  /** "Wednesday, June 4, 2025 at 3:41 PM" (for a tooltip). */
  full(ms: number): string {
    return this.fullFmt.format(ms);
  }

  /** A day separator: today, yesterday, or the date (with the year only when it is not this year). */
  day(dayStart: number, now: number): DayLabel {
    const today = startOfLocalDay(now);
    if (dayStart === today) return { kind: "today" };
    if (dayStart === startOfLocalDay(today - 12 * 3_600_000)) return { kind: "yesterday" };
    const sameYear = new Date(dayStart).getFullYear() === new Date(now).getFullYear();
    return { kind: "date", text: (sameYear ? this.dayFmt : this.dayYearFmt).format(dayStart) };
  }

  /** How long ago someone was last seen: "5 minutes ago", "3 hours ago", "2 days ago" (or just now / unknown). */
  lastSeen(lastSeen: number | null, now: number): LastSeen {
    if (lastSeen === null) return { kind: "unknown" };
    const s = Math.max(0, Math.floor((now - lastSeen) / 1000));
    if (s < JUST_NOW_S) return { kind: "just_now" };
    const m = Math.floor(s / 60);
    if (m < 60) return { kind: "ago", text: this.relative.format(-m, "minute") };
    const h = Math.floor(m / 60);
    if (h < 24) return { kind: "ago", text: this.relative.format(-h, "hour") };
    return { kind: "ago", text: this.relative.format(-Math.floor(h / 24), "day") };
  }
}
