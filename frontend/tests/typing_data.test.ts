import { describe, expect, it } from "vitest";
import { TypingSender, TypingStore, describeTypers } from "../src/typing_data";
import { ana, bo, cy, say } from "./fixtures";

describe("TypingStore", () => {
  it("lists typers by name and removes them on active=false", () => {
    const t = new TypingStore(6000);
    t.apply(1, bo, true, 0);
    t.apply(1, ana, true, 0);
    t.apply(2, cy, true, 0);
    expect(t.typers(1, 1).map((u) => u.username)).toEqual(["ana", "Bo"]);
    t.apply(1, ana, false, 2);
    expect(t.typers(1, 3).map((u) => u.username)).toEqual(["Bo"]);
  });

  it("expires a state without refresh after typing_expiry_ms; a refresh extends it", () => {
    const t = new TypingStore(6000);
    t.apply(1, ana, true, 0);
    t.apply(1, bo, true, 0);
    t.apply(1, bo, true, 3000);
    expect(t.typers(1, 5999).length).toBe(2);
    expect(t.typers(1, 6000).map((u) => u.id)).toEqual([bo.id]);
    expect(t.nextExpiry()).toBe(6000);
    expect(t.sweep(6000)).toBe(true);
    expect(t.sweep(6001)).toBe(false);
    expect(t.nextExpiry()).toBe(9000);
    expect(t.sweep(9000)).toBe(true);
    expect(t.typers(1, 9000)).toEqual([]);
    expect(t.nextExpiry()).toBeNull();
  });
});

describe("describeTypers", () => {
  it("names one or two, then says several", () => {
    expect(describeTypers([])).toBeNull();
    expect(say(describeTypers([ana]))).toBe("ana is typing…");
    expect(say(describeTypers([ana, bo]))).toBe("ana and Bo are typing…");
    expect(say(describeTypers([ana, bo, cy]))).toBe("Several people are typing…");
  });
});

describe("TypingSender", () => {
  it("sends active=true at most once per refresh interval while typing", () => {
    const s = new TypingSender(3000);
    expect(s.input(1, true, 0)).toEqual([{ roomId: 1, active: true }]);
    expect(s.input(1, true, 1000)).toEqual([]);
    expect(s.input(1, true, 2999)).toEqual([]);
    expect(s.input(1, true, 3000)).toEqual([{ roomId: 1, active: true }]);
  });

  it("sends one active=false when cleared, and nothing when not typing", () => {
    const s = new TypingSender(3000);
    expect(s.stop()).toEqual([]);
    s.input(1, true, 0);
    expect(s.input(1, false, 100)).toEqual([{ roomId: 1, active: false }]);
    expect(s.input(1, false, 200)).toEqual([]);
    expect(s.stop()).toEqual([]);
    expect(s.input(1, true, 300)).toEqual([{ roomId: 1, active: true }]);
  });

  it("switching rooms stops the old one first", () => {
    const s = new TypingSender(3000);
    s.input(1, true, 0);
    expect(s.input(2, true, 10)).toEqual([
      { roomId: 1, active: false },
      { roomId: 2, active: true },
    ]);
  });

  it("after reset the next keystroke says true again", () => {
    const s = new TypingSender(3000);
    s.input(1, true, 0);
    s.reset();
    expect(s.input(1, true, 10)).toEqual([{ roomId: 1, active: true }]);
  });
});
