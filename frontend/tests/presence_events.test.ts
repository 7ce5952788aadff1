/** Our own status (presence_events.ts): presence.set only on change, idle after idle_after_ms. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PRESENCE_WATCH_MAX } from "../src/protocol";
import { ana, bo, chatSetup, cy, json, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("presence", () => {
  it("reports idle once after idle_after_ms without input, online again on input", async () => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello();
    await settle();
    await vi.advanceTimersByTimeAsync(121_000);
    client.presence.userActivity();
    client.presence.userActivity();
    expect(last().sentOf("presence.set")).toEqual([
      { type: "presence.set", status: "idle" },
      { type: "presence.set", status: "online" },
    ]);
    client.stop();
  });
});

describe("presence batches and watching", () => {
  it("a presence.batch applies every change, and an older change never overwrites a newer one", async () => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello();
    await settle();
    last().receive({ type: "presence", user: cy, status: "idle", last_seen: null, at: 20 });
    last().receive({
      type: "presence.batch",
      changes: [
        { user: bo, status: "online", last_seen: null, at: 10 },
        { user: cy, status: "offline", last_seen: 5, at: 15 },
      ],
    });
    expect(client.presenceData.status(bo.id)).toBe("online");
    expect(client.presenceData.status(cy.id)).toBe("idle");
    client.stop();
  });

  it("watches the open room's members, online first, at most PRESENCE_WATCH_MAX, and again after a new hello", async () => {
    const members = [
      { ...me, status: "online", last_seen: null },
      ...Array.from({ length: 150 }, (_, i) => ({
        id: 100 + i,
        username: `u${String(i).padStart(3, "0")}`,
        status: i === 149 ? "online" : "offline",
        last_seen: null,
      })),
    ];
    const { client, hello, last } = chatSetup(me, {
      routes: { "GET /api/rooms/1/members": () => json({ members }) },
    });
    client.start();
    hello();
    await settle();
    const watches = last().sentOf("presence.watch") as { user_ids: number[] }[];
    expect(watches).toHaveLength(1);
    const ids = watches[0]!.user_ids;
    expect(ids).toHaveLength(PRESENCE_WATCH_MAX);
    expect(ids[0]).toBe(249);
    expect(ids).not.toContain(me.id);
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(30_000);
    hello();
    await settle();
    expect(last().sentOf("presence.watch")).toHaveLength(1);
    client.stop();
  });
});
