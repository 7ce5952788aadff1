/**
 * The catalogues (i18n/en.ts, i18n/zh-CN.ts), the language choice (locale.ts), `t` with plurals, dates under
 * bad browser languages, and server error codes. Pure: no DOM needed.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ApiError, NetworkError, describeError } from "../src/api";
import { en } from "../src/i18n/en";
import { errorMsg } from "../src/i18n/errors";
import { CATALOGUES, I18n } from "../src/i18n";
import {
  canonicalTag,
  formatLocaleFor,
  initialLocale,
  LOCALES,
  negotiateLocale,
  storeLocale,
  type LocaleStorage,
} from "../src/i18n/locale";
import { DateFormats } from "../src/i18n/format";
import { placeholdersOf, type PluralForms } from "../src/i18n/translate";

const PROTOCOL = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../docs/protocol.md"), "utf8");

/** Every error code docs/protocol.md names: after an HTTP status, in the socket error table, in the limits table. */
function documentedCodes(md: string): Set<string> {
  const codes = new Set<string>();
  for (const m of md.matchAll(/\b[1-5]\d\d `([a-z][a-z_]*)`/g)) codes.add(m[1]);
  for (const m of md.matchAll(/"code": "([a-z][a-z_]*)"/g)) codes.add(m[1]);
  const section = (heading: string) => {
    const start = md.indexOf(heading);
    expect(start, heading).toBeGreaterThanOrEqual(0);
    const rest = md.slice(start + heading.length);
    const end = rest.search(/\n#{2,3} /);
    return end < 0 ? rest : rest.slice(0, end);
  };
  for (const line of section("### Error codes on the socket").split("\n")) {
    if (!line.startsWith("| `")) continue;
    for (const m of line.split("|")[1].matchAll(/`([a-z][a-z_]*)`/g)) codes.add(m[1]);
  }
  for (const line of section("### Limits").split("\n")) {
    const cells = line.split("|").filter((c) => c.trim());
    const last = cells[cells.length - 1] ?? "";
    for (const m of last.matchAll(/`([a-z][a-z_]*)`/g)) codes.add(m[1]);
  }
  return codes;
}

class MemoryStorage implements LocaleStorage {
  readonly data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

describe("catalogues", () => {
  it("have exactly the same keys, none empty, in every language", () => {
    const keys = Object.keys(en).sort();
    for (const locale of LOCALES) {
      const cat = CATALOGUES[locale];
      expect(Object.keys(cat).sort(), locale).toEqual(keys);
      for (const [key, value] of Object.entries(cat)) {
        const texts = typeof value === "string" ? [value] : Object.values(value as PluralForms);
        for (const text of texts) expect(text.trim(), `${locale} ${key}`).not.toBe("");
        if (typeof value !== "string") expect((value as PluralForms).other, `${locale} ${key}`).toBeTruthy();
      }
    }
  });

  it("keep the placeholders of the English text", () => {
    for (const locale of LOCALES) {
      const cat = CATALOGUES[locale] as Record<string, string | PluralForms>;
      for (const [key, value] of Object.entries(en)) {
        expect(placeholdersOf(cat[key]), `${locale} ${key}`).toEqual(placeholdersOf(value));
      }
    }
  });

  it("translate every error code of docs/protocol.md, and unknown codes to a generic text", () => {
    const codes = documentedCodes(PROTOCOL);
    // The parser finds the tables it reads (a sample from each).
    for (const sample of ["not_authenticated", "bad_json", "body_too_long", "database_unavailable", "cannot_disable_self"]) {
      expect(codes).toContain(sample);
    }
    for (const code of codes) expect(errorMsg(code).key, code).toBe(`error.${code}`);
    expect(errorMsg("brand_new_code")).toEqual({ key: "error.unknown", params: { code: "brand_new_code" } });
    const zh = new I18n("zh-CN");
    expect(zh.text(errorMsg("room_archived"))).toBe("该聊天室已归档（只读）。");
    expect(new I18n("en").text(describeError(new ApiError(418, "teapot", "I'm a teapot")))).toBe(
      "The request failed (teapot, 418).",
    );
    expect(zh.text(describeError(new NetworkError()))).toBe("无法连接到服务器。请检查网络后重试。");
  });
});

describe("t", () => {
  it("fills placeholders and picks the plural form with Intl.PluralRules", () => {
    const i = new I18n("en", ["en-US"]);
    expect(i.t("messages.newCount", { count: 1 })).toBe("1 new message");
    expect(i.t("messages.newCount", { count: 2 })).toBe("2 new messages");
    expect(i.t("messages.newCount", { count: 1234 })).toBe("1,234 new messages");
    expect(i.t("typing.two", { first: "ana", second: "Bo" })).toBe("ana and Bo are typing…");
    const zh = new I18n("zh-CN", ["zh-CN"]);
    expect(zh.t("messages.newCount", { count: 1 })).toBe("1 条新消息");
    expect(zh.t("room.leaveTitle", { room: "design" })).toBe("退出 #design？");
  });
});

describe("language choice", () => {
  it("follows the browser: any Chinese gets zh-CN, English and anything else en", () => {
    expect(negotiateLocale(["zh-CN", "en"])).toBe("zh-CN");
    expect(negotiateLocale(["zh-TW"])).toBe("zh-CN");
    expect(negotiateLocale(["zh-Hans-SG"])).toBe("zh-CN");
    expect(negotiateLocale(["fr-FR", "zh"])).toBe("zh-CN");
    expect(negotiateLocale(["en-GB", "zh-CN"])).toBe("en");
    expect(negotiateLocale(["fr"])).toBe("en");
    expect(negotiateLocale([])).toBe("en");
  });

  it("skips tags that are not valid language tags instead of throwing", () => {
    expect(canonicalTag("C")).toBeNull();
    expect(canonicalTag("")).toBeNull();
    expect(canonicalTag("en_US.UTF-8")).toBe("en-US");
    expect(canonicalTag("zh_CN@pinyin")).toBe("zh-CN");
    expect(negotiateLocale(["C", "zh_CN.UTF-8"])).toBe("zh-CN");
    expect(negotiateLocale(["C"])).toBe("en");
  });

  it("formats with the browser's own tag when it is of the interface language", () => {
    expect(formatLocaleFor("en", ["en-GB"])).toBe("en-GB");
    expect(formatLocaleFor("en", ["zh-CN"])).toBe("en");
    expect(formatLocaleFor("zh-CN", ["en-US"])).toBe("zh-CN");
    expect(formatLocaleFor("zh-CN", ["zh-TW"])).toBe("zh-CN");
    expect(formatLocaleFor("en", ["C"])).toBe("en");
  });

  it("a stored choice wins over the browser, and can be forgotten", () => {
    const s = new MemoryStorage();
    expect(initialLocale(s, ["en-US"])).toBe("en");
    storeLocale(s, "zh-CN");
    expect(initialLocale(s, ["en-US"])).toBe("zh-CN");
    s.setItem("parley.locale", "klingon");
    expect(initialLocale(s, ["en-US"])).toBe("en");
    storeLocale(s, null);
    expect(s.data.size).toBe(0);
    expect(initialLocale(null, ["zh"])).toBe("zh-CN");
  });
});

describe("dates", () => {
  const at0341 = new Date(2025, 5, 4, 3, 41).getTime();
  const at1541 = new Date(2025, 5, 4, 15, 41).getTime();

  it("does not throw under a C locale (WebKitGTK), and falls back to English", () => {
    for (const langs of [["C"], ["c"], [""], ["POSIX"], ["en_US.UTF-8"]]) {
      const i = new I18n(negotiateLocale(langs), langs);
      expect(i.locale).toBe("en");
      expect(() => i.time(at0341)).not.toThrow();
      expect(() => i.day(at0341, at0341 + 3 * 86_400_000)).not.toThrow();
      expect(() => i.fullTimestamp(at0341)).not.toThrow();
      expect(() => i.lastSeen(at0341, at0341 + 3_600_000)).not.toThrow();
    }
    // Even handed "C" itself, the formatters fall back to English instead of throwing RangeError.
    expect(() => new Intl.DateTimeFormat("C")).toThrow(RangeError);
    const c = new DateFormats("C");
    expect(c.time(at0341)).toMatch(/^3:41\s?AM$/);
    expect(c.lastSeen(at0341 - 120_000, at0341)).toEqual({ kind: "ago", text: "2 minutes ago" });
  });

  it("writes 12-hour times without a leading zero, 24-hour ones in their own style", () => {
    const us = new I18n("en", ["en-US"]);
    expect(us.time(at0341)).toMatch(/^3:41\s?AM$/);
    expect(us.time(at1541)).toMatch(/^3:41\s?PM$/);
    expect(new I18n("en", ["en-GB"]).time(at1541)).toBe("15:41");
    expect(new I18n("zh-CN", ["zh-CN"]).time(at1541)).toBe("15:41");
  });

  it("labels days and last-seen times in the interface language", () => {
    const en = new I18n("en", ["en-US"]);
    const zh = new I18n("zh-CN", ["zh-CN"]);
    const today = new Date(2025, 5, 4).getTime();
    expect(en.day(today, at1541)).toBe("Today");
    expect(zh.day(today - 86_400_000, at1541)).toBe("昨天");
    expect(en.day(new Date(2025, 0, 6).getTime(), at1541)).toBe("Monday, January 6");
    expect(en.day(new Date(2024, 0, 6).getTime(), at1541)).toBe("Saturday, January 6, 2024");
    expect(en.lastSeen(null, at1541)).toBe("offline");
    expect(en.lastSeen(at1541 - 5_000, at1541)).toBe("last seen just now");
    expect(en.lastSeen(at1541 - 5 * 60_000, at1541)).toBe("last seen 5 minutes ago");
    expect(en.lastSeen(at1541 - 3 * 86_400_000, at1541)).toBe("last seen 3 days ago");
    expect(zh.lastSeen(at1541 - 5 * 60_000, at1541)).toBe("最后在线：5分钟前");
  });
});
