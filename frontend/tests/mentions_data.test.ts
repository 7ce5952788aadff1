import { describe, expect, it } from "vitest";
import { completeMention, mentionCandidates, mentionQuery, mentionSegments } from "../src/mentions_data";
import { ana, bo, cy, msg } from "./fixtures";

const names = new Set(["ana", "bo", "cy"]);

describe("mentions_data", () => {
  it("cuts a body into text and mentions; the reader's own is marked when the server listed them", () => {
    const m = { ...msg(1, 1, bo), body: "hi @Ana, see @cy. and mail ana@example.com @nobody", mentions: [ana.id, cy.id] };
    expect(mentionSegments(m, names, ana)).toEqual([
      { text: "hi ", mention: false, self: false },
      { text: "@Ana", mention: true, self: true },
      { text: ", see ", mention: false, self: false },
      { text: "@cy", mention: true, self: false },
      { text: ". and mail ana@example.com @nobody", mention: false, self: false },
    ]);
  });

  it("@room names everyone; not the reader unless listed", () => {
    const m = { ...msg(1, 1, bo), body: "@room hello", mentions: [] };
    expect(mentionSegments(m, names, ana)[0]).toEqual({ text: "@room", mention: true, self: false });
    expect(mentionSegments({ ...m, mentions: [ana.id] }, names, ana)[0].self).toBe(true);
  });

  it("the query at the caret, only after a word start", () => {
    expect(mentionQuery("hello @b", 8)).toEqual({ start: 6, query: "b" });
    expect(mentionQuery("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQuery("mail a@b", 8)).toBeNull();
    expect(mentionQuery("@bo hi", 6)).toBeNull();
  });

  it("candidates by prefix, any case, the reader left out, @room last", () => {
    expect(mentionCandidates("", [ana, bo, cy], ana.id)).toEqual(["Bo", "cy", "room"]);
    expect(mentionCandidates("B", [ana, bo, cy], ana.id)).toEqual(["Bo"]);
    expect(mentionCandidates("r", [ana, bo], ana.id)).toEqual(["room"]);
  });

  it("completion replaces the query and puts the caret after a space", () => {
    expect(completeMention("hi @b there", { start: 3, query: "b" }, "Bo")).toEqual({ text: "hi @Bo there", caret: 7 });
    expect(completeMention("@", { start: 0, query: "" }, "cy")).toEqual({ text: "@cy ", caret: 4 });
  });
});
