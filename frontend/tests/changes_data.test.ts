import { describe, expect, it } from "vitest";
import { ChangeCursors, applyChange } from "../src/changes_data";
import type { ChangeFrame } from "../src/protocol";
import { bo, msg } from "./fixtures";

const held = { ...msg(1, 3, bo), change_seq: 4 };

describe("changes_data", () => {
  it("a newer change applies: edit replaces, delete makes a tombstone, reactions replace the list", () => {
    const edited = { ...held, body: "new", edited_at: 9, change_seq: 5 };
    expect(applyChange(held, { type: "message.updated", room_id: 1, change_seq: 5, message: edited })).toEqual(edited);
    const withR = { ...held, reactions: [{ emoji: "👍", count: 1, users: [bo] }] };
    expect(applyChange(withR, { type: "message.deleted", room_id: 1, message_id: held.id, seq: 3, change_seq: 6 })).toMatchObject({
      deleted: true, body: "", reactions: [], change_seq: 6,
    });
    const r = [{ emoji: "🎉", count: 1, users: [bo] }];
    expect(applyChange(held, { type: "reactions", room_id: 1, message_id: held.id, seq: 3, change_seq: 7, reactions: r })).toMatchObject({
      reactions: r, change_seq: 7, body: held.body,
    });
  });

  it("an older or equal change leaves the held copy", () => {
    expect(applyChange(held, { type: "message.deleted", room_id: 1, message_id: held.id, seq: 3, change_seq: 4 })).toBeNull();
  });

  it("the cursor only rises; early changes wait for their message, oldest first", () => {
    const c = new ChangeCursors();
    c.start(1, 10);
    c.raise(1, 8);
    expect(c.get(1)).toBe(10);
    c.raise(1, 12);
    expect(c.get(1)).toBe(12);
    const f1: ChangeFrame = { type: "reactions", room_id: 1, message_id: 5, seq: 20, change_seq: 14, reactions: [] };
    const f2: ChangeFrame = { type: "message.deleted", room_id: 1, message_id: 5, seq: 20, change_seq: 13 };
    const f3: ChangeFrame = { type: "message.deleted", room_id: 1, message_id: 6, seq: 21, change_seq: 15 };
    c.hold(f1);
    c.hold(f2);
    c.hold(f3);
    expect(c.takeReady(1, (s) => s === 20)).toEqual([f2, f1]);
    expect(c.takeReady(1, (s) => s === 20)).toEqual([]);
    expect(c.takeReady(1, () => true)).toEqual([f3]);
  });
});
