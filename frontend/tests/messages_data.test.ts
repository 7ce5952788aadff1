import { describe, expect, it } from "vitest";
import { GROUP_WINDOW_MS, MessageStore, buildRows, groupByDay, startOfLocalDay } from "../src/messages_data";
import { ana, bo, msg, msgs } from "./fixtures";

describe("MessageStore merge and dedupe", () => {
  it("keeps one copy of a message that arrives live and again in a catch-up page", () => {
    const s = new MessageStore();
    s.applyNewestPage(1, msgs(1, 1, 3), false);
    expect(s.insert(1, [msg(1, 4)]).map((m) => m.seq)).toEqual([4]);
    const added = s.insert(1, msgs(1, 3, 6));
    expect(added.map((m) => m.seq)).toEqual([5, 6]);
    expect(s.list(1).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("sorts by seq whatever the arrival order", () => {
    const s = new MessageStore();
    s.insert(1, [msg(1, 5), msg(1, 2), msg(1, 9), msg(1, 1)]);
    expect(s.list(1).map((m) => m.seq)).toEqual([1, 2, 5, 9]);
    expect(s.oldestSeq(1)).toBe(1);
    expect(s.newestSeq(1)).toBe(9);
  });

  it("ignores messages of another room", () => {
    const s = new MessageStore();
    s.insert(1, [msg(2, 1)]);
    expect(s.list(1)).toEqual([]);
  });

  it("keeps rooms apart", () => {
    const s = new MessageStore();
    s.insert(1, msgs(1, 1, 2));
    s.insert(2, msgs(2, 1, 5));
    expect(s.list(1)).toHaveLength(2);
    expect(s.list(2)).toHaveLength(5);
  });

  it("the catch-up cursor stops below a hole", () => {
    const s = new MessageStore();
    s.applyNewestPage(1, msgs(1, 51, 100), true);
    expect(s.contiguousTop(1)).toBe(100);
    s.insert(1, [msg(1, 110), msg(1, 111)]); // live frames after a reconnect, hole 101..109
    expect(s.contiguousTop(1)).toBe(100);
    s.insert(1, msgs(1, 101, 109));
    expect(s.contiguousTop(1)).toBe(111);
    expect(new MessageStore().contiguousTop(7)).toBe(0);
  });

  it("older pages extend downwards and record has_more", () => {
    const s = new MessageStore();
    s.applyNewestPage(1, msgs(1, 51, 100), true);
    expect(s.hasOlder(1)).toBe(true);
    expect(s.oldestSeq(1)).toBe(51);
    s.applyOlderPage(1, msgs(1, 1, 50), false);
    expect(s.hasOlder(1)).toBe(false);
    expect(s.list(1)).toHaveLength(100);
  });

  it("a newer newest-page does not claim there is nothing older", () => {
    const s = new MessageStore();
    s.applyNewestPage(1, msgs(1, 51, 100), true);
    s.applyNewestPage(1, msgs(1, 61, 110), false);
    expect(s.hasOlder(1)).toBe(true);
  });

  it("resetUnloaded drops live messages of rooms never opened, keeps loaded ones", () => {
    const s = new MessageStore();
    s.applyNewestPage(1, msgs(1, 1, 3), false);
    s.insert(2, [msg(2, 7)]);
    s.resetUnloaded();
    expect(s.list(1)).toHaveLength(3);
    expect(s.list(2)).toHaveLength(0);
    expect(s.isLoaded(1)).toBe(true);
    expect(s.isLoaded(2)).toBe(false);
  });
});

describe("MessageStore outbox", () => {
  it("an ack (our message with the same client_id) resolves the pending send", () => {
    const s = new MessageStore();
    s.setSelf(ana.id);
    s.addPending(1, "abc", "hi", 1000);
    s.markSent("abc", 1000, 10_000);
    expect(s.pendingFor(1)).toHaveLength(1);
    s.insert(1, [msg(1, 1, ana, 1001, "abc")]);
    expect(s.pendingFor(1)).toHaveLength(0);
  });

  it("someone else's message with the same client_id does not resolve ours", () => {
    const s = new MessageStore();
    s.setSelf(ana.id);
    s.addPending(1, "abc", "hi", 1000);
    s.insert(1, [msg(1, 1, bo, 1001, "abc")]);
    expect(s.getPending("abc")).toBeDefined();
  });

  it("fails a sent message after its deadline, and only then", () => {
    const s = new MessageStore();
    s.addPending(1, "a", "x", 0);
    s.addPending(1, "b", "y", 0);
    s.markSent("a", 0, 10_000);
    expect(s.expire(9_999)).toEqual([]);
    expect(s.expire(10_000)).toEqual(["a"]);
    expect(s.getPending("a")?.state).toBe("failed");
    expect(s.getPending("b")?.state).toBe("queued"); // never went out: not timed
  });

  it("in-flight sends return to the queue when the socket drops, in order", () => {
    const s = new MessageStore();
    s.addPending(1, "a", "x", 0);
    s.addPending(2, "b", "y", 1);
    s.addPending(1, "c", "z", 2);
    s.markSent("a", 0, 10_000);
    s.markSent("b", 1, 10_000);
    s.markFailed("c", { key: "error.rate_limited" });
    s.requeueInFlight();
    expect(s.queued().map((p) => p.clientId)).toEqual(["a", "b"]);
    expect(s.getPending("a")?.deadline).toBeNull();
    expect(s.getPending("c")?.state).toBe("failed");
  });

  it("retry keeps the client_id and clears the error", () => {
    const s = new MessageStore();
    s.addPending(1, "a", "x", 0);
    s.markFailed("a", { key: "error.internal_error" });
    const p = s.markRetry("a");
    expect(p?.clientId).toBe("a");
    expect(p?.state).toBe("queued");
    expect(p?.error).toBeNull();
  });

  it("dropping a room drops its pending sends", () => {
    const s = new MessageStore();
    s.addPending(1, "a", "x", 0);
    s.addPending(2, "b", "x", 0);
    s.dropRoom(1);
    expect(s.allPending().map((p) => p.clientId)).toEqual(["b"]);
  });
});

describe("buildRows", () => {
  const day1 = new Date(2024, 2, 10, 9, 0).getTime();
  const day2 = new Date(2024, 2, 11, 9, 0).getTime();

  it("puts a separator before the first message of each local day", () => {
    const rows = buildRows([msg(1, 1, ana, day1), msg(1, 2, ana, day1 + 60_000), msg(1, 3, ana, day2)], [], ana);
    expect(rows.map((r) => r.kind)).toEqual(["day", "message", "message", "day", "message"]);
    expect(rows[0].kind === "day" && rows[0].day).toBe(startOfLocalDay(day1));
  });

  it("groups the same author within the window, not across authors, gaps or days", () => {
    const rows = buildRows(
      [
        msg(1, 1, ana, day1),
        msg(1, 2, ana, day1 + 60_000),
        msg(1, 3, bo, day1 + 120_000),
        msg(1, 4, bo, day1 + 120_000 + GROUP_WINDOW_MS),
        msg(1, 5, bo, day2),
      ],
      [],
      ana,
    );
    const grouped = rows.filter((r) => r.kind === "message").map((r) => (r.kind === "message" ? r.grouped : null));
    expect(grouped).toEqual([false, true, false, false, false]);
  });

  it("shows pending sends last, grouped with our own previous message", () => {
    const s = new MessageStore();
    const p = s.addPending(1, "z", "pending", day1 + 30_000);
    const rows = buildRows([msg(1, 1, ana, day1)], [p], ana);
    expect(rows.map((r) => r.kind)).toEqual(["day", "message", "pending"]);
    const last = rows[2];
    expect(last.kind === "pending" && last.grouped).toBe(true);
  });
});

describe("groupByDay", () => {
  it("puts each day's rows under its day, so a list holds only messages", () => {
    const day1 = new Date(2025, 0, 6, 9).getTime();
    const day2 = new Date(2025, 0, 7, 9).getTime();
    const rows = buildRows([msg(1, 1, ana, day1), msg(1, 2, bo, day1 + 1), msg(1, 3, ana, day2)], [], ana);
    const days = groupByDay(rows);
    expect(days.map((d) => d.day)).toEqual([startOfLocalDay(day1), startOfLocalDay(day2)]);
    expect(days.map((d) => d.rows.map((r) => r.kind === "message" && r.message.seq))).toEqual([[1, 2], [3]]);
    expect(groupByDay([])).toEqual([]);
  });
});
