/**
 * The controller end to end against a fake server: a scripted fetch for REST and fake WebSockets the test
 * drives by hand. Scenarios follow docs/protocol.md: hello → catch-up, ack/dedupe, failures, resend.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ACK_TIMEOUT_MS } from "../src/client";
import type { Message } from "../src/protocol";
import { ana, bo, config, fakeClient, msg, msgs, room, settle } from "./fixtures";

const me = { ...ana, is_admin: false };


/** Room 1 holds `history` messages; GET /messages answers like the server (before/after/limit). */
function fakeServer(history: Message[]) {
  const requests: string[] = [];
  const fetchFn = async (url: string): Promise<Response> => {
    requests.push(url);
    const u = new URL(url, "http://x");
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
    const m = /^\/api\/rooms\/(\d+)\/messages$/.exec(u.pathname);
    if (m) {
      const limit = Number(u.searchParams.get("limit") ?? 50);
      const before = u.searchParams.get("before");
      const after = u.searchParams.get("after");
      const all = history.filter((x) => x.room_id === Number(m[1]));
      if (after !== null) {
        const above = all.filter((x) => x.seq > Number(after));
        return json({ messages: above.slice(0, limit), has_more: above.length > limit });
      }
      const below = before !== null ? all.filter((x) => x.seq < Number(before)) : all;
      return json({ messages: below.slice(-limit), has_more: below.length > limit });
    }
    if (/^\/api\/rooms\/\d+\/members$/.test(u.pathname)) {
      return json({ members: [{ ...ana, status: "online", last_seen: null }] });
    }
    if (u.pathname === "/api/me") return json({ user: me });
    return json({ error: { code: "not_found", message: "nope" } }, 404);
  };
  return { requests, fetchFn };
}

function setup(history: Message[]) {
  const server = fakeServer(history);
  const { client, sockets, last } = fakeClient(me, server.fetchFn);
  const hello = (lastSeq: number) =>
    last().receive({ type: "hello", user: me, rooms: [room(1, "general", lastSeq)], presence: [], config });
  return { client, server, sockets, last, hello };
}


beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ChatClient", () => {
  it("on hello opens general, loads the newest page, and dedupes a live message seen again", async () => {
    const { client, hello, last } = setup(msgs(1, 1, 60));
    client.start();
    hello(60);
    await settle();
    expect(client.currentRoomId).toBe(1);
    expect(client.messages.list(1).map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i));
    last().receive({ type: "message.new", message: msg(1, 61, bo) });
    last().receive({ type: "message.new", message: msg(1, 61, bo) });
    expect(client.messages.list(1)).toHaveLength(51);
    client.stop();
  });

  it("sends with a client_id, shows it pending, and confirms it on ack", async () => {
    const { client, hello, last } = setup([]);
    client.start();
    hello(0);
    await settle();
    expect(client.send("  hi there  ")).toBeNull();
    expect(last().sentOf("message.send")).toEqual([
      { type: "message.send", room_id: 1, body: "hi there", client_id: "uuid-1" },
    ]);
    expect(client.messages.getPending("uuid-1")?.state).toBe("sent");
    last().receive({ type: "message.ack", client_id: "uuid-1", message: msg(1, 1, ana, 5, "uuid-1") });
    expect(client.messages.getPending("uuid-1")).toBeUndefined();
    expect(client.messages.list(1).map((m) => m.client_id)).toEqual(["uuid-1"]);
    client.stop();
  });

  it("refuses empty and over-long bodies before sending", async () => {
    const { client, hello, last } = setup([]);
    client.start();
    hello(0);
    await settle();
    expect(client.send("   ")).toMatch(/empty/);
    expect(client.send("x".repeat(4001))).toMatch(/too long/);
    expect(client.send("😀".repeat(4000))).toBeNull(); // code points, not UTF-16 units
    expect(last().sentOf("message.send")).toHaveLength(1);
    client.stop();
  });

  it("fails a send on an error frame with its client_id; Retry resends the same client_id", async () => {
    const { client, hello, last } = setup([]);
    client.start();
    hello(0);
    await settle();
    client.send("hello");
    last().receive({ type: "error", code: "rate_limited", message: "slow down", client_id: "uuid-1" });
    expect(client.messages.getPending("uuid-1")?.state).toBe("failed");
    client.retry("uuid-1");
    const sends = last().sentOf("message.send");
    expect(sends.map((f) => f.client_id)).toEqual(["uuid-1", "uuid-1"]);
    expect(client.messages.getPending("uuid-1")?.state).toBe("sent");
    client.stop();
  });

  it("fails a send that gets no ack within the timeout", async () => {
    const { client, hello } = setup([]);
    client.start();
    hello(0);
    await settle();
    client.send("anyone?");
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT_MS - 1000);
    expect(client.messages.getPending("uuid-1")?.state).toBe("sent");
    await vi.advanceTimersByTimeAsync(2000);
    expect(client.messages.getPending("uuid-1")?.state).toBe("failed");
    client.stop();
  });

  it("after a drop: resends unacked sends with the same client_id and catches up with after= until has_more is false", async () => {
    const history = msgs(1, 1, 40);
    const { client, server, hello, last, sockets } = setup(history);
    client.start();
    hello(40);
    await settle();
    client.send("in flight");
    last().drop(1006);
    expect(client.conn.state).toBe("reconnecting");
    expect(client.messages.getPending("uuid-1")?.state).toBe("queued");
    // 150 messages arrive while we are away.
    history.push(...msgs(1, 41, 190, bo));
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    server.requests.length = 0;
    hello(190);
    await settle();
    expect(last().sentOf("message.send")).toEqual([
      { type: "message.send", room_id: 1, body: "in flight", client_id: "uuid-1" },
    ]);
    expect(server.requests.filter((r) => r.includes("after="))).toEqual([
      "/api/rooms/1/messages?after=40&limit=100",
      "/api/rooms/1/messages?after=140&limit=100",
    ]);
    const seqs = client.messages.list(1).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 190 }, (_, i) => i + 1));
    client.stop();
  });

  it("4401 ends the session and does not reconnect", async () => {
    const { client, hello, last, sockets } = setup([]);
    const ended = vi.fn();
    client.onSessionEnded = ended;
    client.start();
    hello(0);
    await settle();
    last().drop(4401);
    expect(ended).toHaveBeenCalledWith("ended");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it("throttles typing frames and stops typing on send", async () => {
    const { client, hello, last } = setup([]);
    client.start();
    hello(0);
    await settle();
    client.composerInput("h");
    client.composerInput("he");
    await vi.advanceTimersByTimeAsync(3000);
    client.composerInput("hel");
    client.send("hel");
    expect(last().sentOf("typing")).toEqual([
      { type: "typing", room_id: 1, active: true },
      { type: "typing", room_id: 1, active: true },
      { type: "typing", room_id: 1, active: false },
    ]);
    client.stop();
  });

  it("reports idle once after idle_after_ms without input, online again on input", async () => {
    const { client, hello, last } = setup([]);
    client.start();
    hello(0);
    await settle();
    await vi.advanceTimersByTimeAsync(121_000);
    client.userActivity();
    client.userActivity();
    expect(last().sentOf("presence.set")).toEqual([
      { type: "presence.set", status: "idle" },
      { type: "presence.set", status: "online" },
    ]);
    client.stop();
  });

  it("counts unread in rooms not being viewed", async () => {
    const { client, last } = setup([]);
    client.start();
    last().receive({
      type: "hello",
      user: me,
      rooms: [room(1, "general", 0), room(2, "random", 5)],
      presence: [],
      config,
    });
    await settle();
    last().receive({ type: "message.new", message: msg(2, 6, bo) });
    last().receive({ type: "message.new", message: msg(2, 7, bo) });
    expect(client.rooms.unread(2)).toBe(2);
    expect(client.totalUnread()).toBe(2);
    client.selectRoom(2);
    await settle();
    expect(client.rooms.unread(2)).toBe(0);
    client.stop();
  });
});
