import { describe, expect, it } from "vitest";
import { ReadThrottle, READ_SEND_INTERVAL_MS, applyReadMarker, countNew, firstUnreadSeq, totalUnread } from "../src/reads_data";
import { ana, bo, msg, room } from "./fixtures";

const counts = { last_read_seq: 5, unread: 2, mentions: 0 };

describe("reads_data", () => {
  it("a live message by someone else above the marker counts; one's own, a tombstone or an old seq does not", () => {
    expect(countNew(counts, msg(1, 6, bo), ana.id)).toEqual({ last_read_seq: 5, unread: 3, mentions: 0 });
    expect(countNew(counts, { ...msg(1, 6, bo), mentions: [ana.id] }, ana.id)).toEqual({ last_read_seq: 5, unread: 3, mentions: 1 });
    expect(countNew(counts, msg(1, 6, ana), ana.id)).toBe(counts);
    expect(countNew(counts, { ...msg(1, 6, bo), deleted: true }, ana.id)).toBe(counts);
    expect(countNew(counts, msg(1, 4, bo), ana.id)).toBe(counts);
  });

  it("a marker never goes back; at the newest seq both counts are 0", () => {
    expect(applyReadMarker(counts, 3, 9, [], ana.id)).toBe(counts);
    expect(applyReadMarker(counts, 9, 9, [], ana.id)).toEqual({ last_read_seq: 9, unread: 0, mentions: 0 });
  });

  it("below the newest: recounted from held messages, else capped by the seqs left", () => {
    const held = [msg(1, 6, bo), { ...msg(1, 7, bo), mentions: [ana.id] }, msg(1, 8, ana), msg(1, 9, bo)];
    expect(applyReadMarker({ last_read_seq: 5, unread: 3, mentions: 1 }, 6, 9, held, ana.id)).toEqual({ last_read_seq: 6, unread: 2, mentions: 1 });
    expect(applyReadMarker({ last_read_seq: 0, unread: 30, mentions: 4 }, 7, 9, [], ana.id)).toEqual({ last_read_seq: 7, unread: 2, mentions: 2 });
  });

  it("the new-messages line goes above the first unread message by someone else", () => {
    const list = [msg(1, 4, bo), msg(1, 5, bo), msg(1, 6, ana), msg(1, 7, bo)];
    expect(firstUnreadSeq(list, 5, ana.id)).toBe(7);
    expect(firstUnreadSeq(list, 7, ana.id)).toBeNull();
  });

  it("the total leaves muted rooms out", () => {
    expect(totalUnread([room(1, "a", 0, { unread: 2 }), room(2, "b", 0, { unread: 5, muted: true })])).toBe(2);
  });

  it("read frames: at most one per room per interval, the latest seq waits and covers the earlier", () => {
    const t = new ReadThrottle();
    expect(t.want(1, 5, 1000)).toBe(true);
    expect(t.want(1, 6, 1100)).toBe(false);
    expect(t.want(1, 8, 1200)).toBe(false);
    expect(t.want(2, 3, 1200)).toBe(true);
    expect(t.due(1500)).toEqual([]);
    expect(t.due(1000 + READ_SEND_INTERVAL_MS)).toEqual([[1, 8]]);
    expect(t.due(5000)).toEqual([]);
    t.known(1, 20);
    expect(t.want(1, 20, 9000)).toBe(false);
    t.reset();
    expect(t.want(1, 20, 9000)).toBe(true);
  });
});
