import { describe, expect, it } from "vitest";
import { ActivityTracker, PresenceStore, shownStatus, sortMembers } from "../src/presence_data";
import { ana, bo, cy } from "./fixtures";

describe("PresenceStore", () => {
  it("hello lists online/idle users; others become offline", () => {
    const p = new PresenceStore();
    p.applyFrame(cy, "online", null, 1, 0);
    p.applyHello([{ user: ana, status: "online", last_seen: null }, { user: bo, status: "idle", last_seen: 5 }], 10);
    expect(p.status(ana.id)).toBe("online");
    expect(p.status(bo.id)).toBe("idle");
    expect(p.status(cy.id)).toBe("offline");
    expect(p.status(99)).toBe("offline");
  });

  it("an older frame never overwrites a newer one", () => {
    const p = new PresenceStore();
    expect(p.applyFrame(ana, "offline", 900, 1000, 0)).toBe(true);
    expect(p.applyFrame(ana, "online", null, 999, 1)).toBe(false);
    expect(p.status(ana.id)).toBe("offline");
    expect(p.get(ana.id)?.lastSeen).toBe(900);
  });

  it("a snapshot does not undo a frame that arrived after the request went out", () => {
    const p = new PresenceStore();
    p.applyFrame(ana, "idle", null, 5000, 100); // before request at 150
    p.applyFrame(bo, "online", null, 5001, 200); // after request at 150
    p.applySnapshot(
      [
        { id: ana.id, status: "online", last_seen: null },
        { id: bo.id, status: "offline", last_seen: 1 },
      ],
      150,
      300,
    );
    expect(p.status(ana.id)).toBe("online");
    expect(p.status(bo.id)).toBe("online");
  });
});

describe("presence helpers", () => {
  it("sorts online, idle, offline then by name", () => {
    const sorted = sortMembers([
      { username: "zed", status: "offline" as const },
      { username: "bo", status: "idle" as const },
      { username: "Al", status: "offline" as const },
      { username: "cy", status: "online" as const },
    ]);
    expect(sorted.map((m) => m.username)).toEqual(["cy", "bo", "Al", "zed"]);
  });
});

describe("ActivityTracker", () => {
  it("goes idle after the quiet period and back online on input, reporting only changes", () => {
    const a = new ActivityTracker(120_000, 0);
    expect(a.status).toBe("online");
    expect(a.tick(119_999)).toBeNull();
    expect(a.tick(120_000)).toBe("idle");
    expect(a.tick(130_000)).toBeNull();
    expect(a.input(130_001)).toBe("online");
    expect(a.input(130_002)).toBeNull();
  });

  it("hidden means idle; input while hidden changes nothing; visible again is online", () => {
    const a = new ActivityTracker(120_000, 0);
    expect(a.visibility(true, 10)).toBe("idle");
    expect(a.input(20)).toBeNull();
    expect(a.visibility(false, 30)).toBe("online");
    expect(a.tick(30 + 119_999)).toBeNull();
  });

  it("starts idle when the page loads hidden", () => {
    expect(new ActivityTracker(1000, 0, true).status).toBe("idle");
  });
});

describe("shownStatus", () => {
  it("is unknown while not connected: a stale online is never shown", () => {
    expect(shownStatus("online", true)).toBe("online");
    expect(shownStatus("online", false)).toBe("unknown");
    expect(shownStatus("offline", false)).toBe("unknown");
  });
});
