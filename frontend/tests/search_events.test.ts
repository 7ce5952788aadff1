/**
 * Search over REST (search_events.ts): a query and its next page, and opening a result: the room's history around
 * the message, the hole up to the newest messages closed, the room opened and the message marked.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SearchResult } from "../src/protocol";
import { ana, apiError, bo, chatSetup, json, msgs, room, say, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("search", () => {
  it("asks with q and limit, then before=<last id> for more; from:/in: go to the server as typed", async () => {
    const history = msgs(1, 1, 5, bo);
    const pages: SearchResult[][] = [
      [{ message: history[4], room: room(1, "general", 5) }, { message: history[3], room: room(1, "general", 5) }],
      [{ message: history[1], room: room(1, "general", 5) }],
    ];
    let call = 0;
    const { client, requests, hello } = chatSetup(me, {
      history,
      routes: { "GET /api/search": () => json({ results: pages[call], has_more: call++ === 0 }) },
    });
    client.start();
    hello();
    await settle();
    await client.search.run("  deploy from:bo in:general ");
    expect(client.search.state.results.map((r) => r.message.seq)).toEqual([5, 4]);
    expect(client.search.state.hasMore).toBe(true);
    await client.search.more();
    expect(client.search.state.results.map((r) => r.message.seq)).toEqual([5, 4, 2]);
    expect(client.search.state.hasMore).toBe(false);
    const urls = requests.filter((r) => r.path === "/api/search").map((r) => new URL(r.url, "http://x").searchParams);
    expect(urls.map((p) => [p.get("q"), p.get("limit"), p.get("before")])).toEqual([
      ["deploy from:bo in:general", "20", null],
      ["deploy from:bo in:general", "20", String(history[3].id)],
    ]);
    client.stop();
  });

  it("an error is shown in the user's language; a blank query asks nothing", async () => {
    const { client, requests, hello } = chatSetup(me, {
      routes: { "GET /api/search": () => apiError(400, "invalid_query") },
    });
    client.start();
    hello();
    await settle();
    await client.search.run("   ");
    expect(requests.filter((r) => r.path === "/api/search")).toHaveLength(0);
    await client.search.run("x");
    expect(say(client.search.error)).toBe("The server did not understand the request (invalid query).");
    expect(client.search.loading).toBe(false);
    client.stop();
  });

  it("opening an old result loads around it, fills the hole up to the newest, opens the room and marks it", async () => {
    const history = msgs(2, 1, 300, bo);
    const { client, requests, hello } = chatSetup(me, { history });
    client.start();
    hello([room(1, "general"), room(2, "ops", 300)]);
    await settle();
    expect(client.rooms.currentId).toBe(1);
    requests.length = 0;
    await client.search.open({ message: history[99], room: room(2, "ops", 300) });
    await settle();
    const urls = requests.filter((r) => r.path === "/api/rooms/2/messages").map((r) => r.url);
    expect(urls[0]).toBe("/api/rooms/2/messages?around=100&limit=50");
    expect(urls.slice(1)).toEqual(["/api/rooms/2/messages?after=125&limit=100", "/api/rooms/2/messages?after=225&limit=100"]);
    expect(client.rooms.currentId).toBe(2);
    expect(client.rooms.focusSeq).toBe(100);
    expect(client.messagesData.oldestSeq(2)).toBe(76);
    expect(client.messagesData.hasOlder(2)).toBe(true);
    expect(client.messagesData.contiguousTop(2)).toBe(300);
    client.stop();
  });

  it("a result already held opens without a request; a room not in the list is added from the result", async () => {
    const history = [...msgs(1, 1, 10, bo)];
    const { client, requests, hello } = chatSetup(me, { history: [...history, ...msgs(3, 1, 3, bo)] });
    client.start();
    hello();
    await settle();
    requests.length = 0;
    await client.search.open({ message: history[4], room: room(1, "general", 10) });
    expect(requests.filter((r) => r.url.includes("around="))).toHaveLength(0);
    expect(client.rooms.focusSeq).toBe(5);
    const publicRoom = room(3, "public-notes", 3, { joined: false });
    await client.search.open({ message: msgs(3, 2, 2, bo)[0], room: publicRoom });
    await settle();
    expect(client.roomsData.get(3)?.name).toBe("public-notes");
    expect(client.rooms.currentId).toBe(3);
    client.stop();
  });

  it("a result that cannot be fetched leaves the open room and says why", async () => {
    const { client, hello } = chatSetup(me, {
      routes: { "GET /api/rooms/2/messages": () => apiError(404, "room_not_found") },
    });
    client.start();
    hello();
    await settle();
    await client.search.open({ message: msgs(2, 7, 7, bo)[0], room: room(2, "gone", 7) });
    expect(client.rooms.currentId).toBe(1);
    expect(say(client.notice)).toBe("That room does not exist or you cannot see it.");
    client.stop();
  });
});
