/**
 * Members (members_events.ts) against a scripted fetch and fake WebSockets: member.* frames on the open room's
 * list, and the refetch of a list that a presence frame shows to be stale.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../src/protocol";
import { ana, bo, chatSetup, cy, settle } from "./fixtures";

const user: Me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("members", () => {
  it("member.joined and member.left update the list; leaving also ends the member's typing", async () => {
    const { client, last, hello } = chatSetup(user);
    client.start();
    hello();
    await settle();
    expect(client.members.of(1)?.map((u) => u.username)).toEqual(["ana"]);
    last().receive({ type: "member.joined", room_id: 1, user: bo });
    expect(client.members.of(1)?.map((u) => u.username)).toEqual(["ana", "Bo"]);
    last().receive({ type: "typing", room_id: 1, user: bo, active: true });
    expect(client.typingData.typers(1, Date.now())).toEqual([bo]);
    last().receive({ type: "member.left", room_id: 1, user: bo });
    expect(client.members.of(1)?.map((u) => u.username)).toEqual(["ana"]);
    expect(client.typingData.typers(1, Date.now())).toEqual([]);
    client.stop();
  });

  it("a presence frame of someone missing from the open room's list refetches it, at most once per 5 s", async () => {
    const { client, last, hello, requests } = chatSetup(user);
    client.start();
    hello();
    await settle();
    const listFetches = () => requests.filter((r) => r.path === "/api/rooms/1/members").length;
    const before = listFetches();
    const presence = (at: number) => ({ type: "presence", user: cy, status: "online", last_seen: null, at });
    last().receive(presence(1));
    await settle();
    expect(listFetches()).toBe(before + 1);
    last().receive(presence(2));
    await settle();
    expect(listFetches()).toBe(before + 1);
    expect(client.presenceData.status(cy.id)).toBe("online");
    await vi.advanceTimersByTimeAsync(5_000);
    last().receive(presence(3));
    await settle();
    expect(listFetches()).toBe(before + 2);
    client.stop();
  });
});
