import { describe, expect, it } from "vitest";
import type { SearchResult } from "../src/protocol";
import { excerpt, highlight, searchTerms, SearchState } from "../src/search_data";
import { msg, room } from "./fixtures";

const result = (id: number): SearchResult => ({ message: { ...msg(1, id), id }, room: room(1, "general") });

describe("search_data", () => {
  it("terms: the query's words without from:/in: filters, lowercased, once each", () => {
    expect(searchTerms("Deploy from:ana in:general friday")).toEqual(["deploy", "friday"]);
    expect(searchTerms('in:"team room" "release notes" FROM:bo Release')).toEqual(["release", "notes"]);
    expect(searchTerms("from:ana")).toEqual([]);
    expect(searchTerms("   ")).toEqual([]);
  });

  it("highlight: every occurrence, any case, inside longer words; overlapping and adjacent runs merge", () => {
    expect(highlight("Deploy the deployment", ["deploy"])).toEqual([
      { text: "Deploy", match: true },
      { text: " the ", match: false },
      { text: "deploy", match: true },
      { text: "ment", match: false },
    ]);
    expect(highlight("abcd", ["ab", "bc"])).toEqual([{ text: "abc", match: true }, { text: "d", match: false }]);
    expect(highlight("no match here", ["zzz"])).toEqual([{ text: "no match here", match: false }]);
    expect(highlight("", ["a"])).toEqual([]);
    expect(highlight("<b>x</b>", ["x"]).map((s) => s.text).join("")).toBe("<b>x</b>");
  });

  it("excerpt: short bodies whole (whitespace folded), long ones cut around the first match", () => {
    expect(excerpt("a\n\nb", ["a"])).toBe("a b");
    const long = `${"x".repeat(300)} needle ${"y".repeat(300)}`;
    const e = excerpt(long, ["needle"], 100);
    expect(e.startsWith("…")).toBe(true);
    expect(e.endsWith("…")).toBe(true);
    expect(e).toContain("needle");
    expect(e.length).toBeLessThanOrEqual(102);
    expect(excerpt(`needle ${"y".repeat(300)}`, ["needle"], 100).startsWith("needle")).toBe(true);
  });

  it("pages: appended in order, listed once, the next cursor is the last message id; late answers dropped", () => {
    const s = new SearchState();
    const g1 = s.start("deploy");
    expect(s.applyPage(g1, [result(30), result(20)], true)).toBe(true);
    expect(s.nextBefore()).toBe(20);
    s.applyPage(g1, [result(20), result(10)], false);
    expect(s.results.map((r) => r.message.id)).toEqual([30, 20, 10]);
    expect(s.nextBefore()).toBeNull();
    const g2 = s.start("other");
    expect(s.results).toEqual([]);
    expect(s.applyPage(g1, [result(5)], false)).toBe(false);
    expect(s.results).toEqual([]);
    s.applyPage(g2, [], true);
    expect(s.hasMore).toBe(false);
  });
});
