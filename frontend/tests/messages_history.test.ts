/**
 * History over REST (messages_history.ts): catch-up after a reconnect with after= until has_more is false,
 * together with the resend of what was in flight (docs/protocol.md "seq" rules).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ana, bo, chatSetup, msgs, room, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("history", () => {
  it("after a drop: resends unacked sends with the same client_id and catches up with after= until has_more is false", async () => {
    const history = msgs(1, 1, 40);
    const { client, requests, hello, last, sockets } = chatSetup(me, { history });
    client.start();
    hello([room(1, "general", 40)]);
    await settle();
    client.messages.send("in flight");
    last().drop(1006);
    expect(client.conn.state).toBe("reconnecting");
    expect(client.messagesData.getPending("uuid-1")?.state).toBe("queued");
    // 150 messages arrive while we are away.
    history.push(...msgs(1, 41, 190, bo));
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    requests.length = 0;
    hello([room(1, "general", 190)]);
    await settle();
    expect(last().sentOf("message.send")).toEqual([
      { type: "message.send", room_id: 1, body: "in flight", client_id: "uuid-1" },
    ]);
    expect(requests.map((r) => r.url).filter((u) => u.includes("after="))).toEqual([
      "/api/rooms/1/messages?after=40&limit=100",
      "/api/rooms/1/messages?after=140&limit=100",
    ]);
    const seqs = client.messagesData.list(1).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 190 }, (_, i) => i + 1));
    client.stop();
  });
});
