import { describe, expect, it } from "vitest";
import { QUICK_REACTIONS, hasReacted, normalizeReaction, reactorNames, toggleType } from "../src/reactions_data";
import { SHORTCODES } from "../src/protocol";
import { ana, bo } from "./fixtures";

const list = [{ emoji: "👍", count: 2, users: [bo, ana] }];

describe("reactions_data", () => {
  it("the short set is made of protocol shortcodes' emoji", () => {
    const known = new Set(Object.values(SHORTCODES));
    expect(QUICK_REACTIONS.length).toBeGreaterThan(3);
    for (const e of QUICK_REACTIONS) expect(known.has(e)).toBe(true);
  });

  it("a click takes one's own reaction back, else adds it", () => {
    expect(hasReacted(list, "👍", ana.id)).toBe(true);
    expect(toggleType(list, "👍", ana.id)).toBe("reaction.remove");
    expect(toggleType(list, "🎉", ana.id)).toBe("reaction.add");
    expect(toggleType(list, "👍", 99)).toBe("reaction.add");
  });

  it("typed reactions: shortcodes become their emoji, one emoji passes, words do not", () => {
    expect(normalizeReaction(" :tada: ")).toBe("🎉");
    expect(normalizeReaction(":HEART:")).toBe("\u2764\uFE0F");
    expect(normalizeReaction("🦄")).toBe("🦄");
    expect(normalizeReaction("🇫🇷")).toBe("🇫🇷");
    expect(normalizeReaction("👍🏽")).toBe("👍🏽");
    expect(normalizeReaction("lol")).toBeNull();
    expect(normalizeReaction("")).toBeNull();
    expect(normalizeReaction(":nope:")).toBeNull();
    expect(normalizeReaction("😀".repeat(17))).toBeNull();
  });

  it("who reacted, in order, the reader as 'you'", () => {
    expect(reactorNames(list[0], ana, "you")).toEqual(["Bo", "you"]);
  });
});
