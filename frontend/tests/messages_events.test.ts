/**
 * Live messages and the outbox (messages_events.ts) against a fake server and fake WebSockets:
 * send → pending → ack, refusals before sending, error frames with a client_id, the ack timeout.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ACK_TIMEOUT_MS, bodyLength } from "../src/messages_events";
import { ana, chatSetup, msg, say, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("messages", () => {
  it("sends with a client_id, shows it pending, and confirms it on ack", async () => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello();
    await settle();
    expect(client.messages.send("  hi there  ")).toBeNull();
    expect(last().sentOf("message.send")).toEqual([
      { type: "message.send", room_id: 1, body: "hi there", client_id: "uuid-1" },
    ]);
    expect(client.messagesData.getPending("uuid-1")?.state).toBe("sent");
    last().receive({ type: "message.ack", client_id: "uuid-1", message: msg(1, 1, ana, 5, "uuid-1") });
    expect(client.messagesData.getPending("uuid-1")).toBeUndefined();
    expect(client.messagesData.list(1).map((m) => m.client_id)).toEqual(["uuid-1"]);
    client.stop();
  });

  it("refuses empty and over-long bodies before sending", async () => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello();
    await settle();
    expect(say(client.messages.send("   "))).toMatch(/empty/);
    expect(say(client.messages.send("x".repeat(4001)))).toBe("Message is too long (4,001 / 4,000 characters).");
    expect(client.messages.send("😀".repeat(4000))).toBeNull(); // code points, not UTF-16 units
    expect(last().sentOf("message.send")).toHaveLength(1);
    expect(bodyLength("  😀😀 ")).toBe(2);
    client.stop();
  });

  it("fails a send on an error frame with its client_id; Retry resends the same client_id", async () => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello();
    await settle();
    client.messages.send("hello");
    last().receive({ type: "error", code: "rate_limited", message: "slow down", client_id: "uuid-1" });
    expect(client.messagesData.getPending("uuid-1")?.state).toBe("failed");
    client.messages.retry("uuid-1");
    const sends = last().sentOf("message.send");
    expect(sends.map((f) => f.client_id)).toEqual(["uuid-1", "uuid-1"]);
    expect(client.messagesData.getPending("uuid-1")?.state).toBe("sent");
    client.stop();
  });

  it("an error frame without a client_id of ours becomes the page's notice", async () => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello();
    await settle();
    last().receive({ type: "error", code: "room_archived", message: "archived", client_id: "not-ours" });
    expect(say(client.notice)).toBe("That room is archived (read-only).");
    expect(client.noticeKind).toBe("error");
    // A code this web app does not know yet (a newer server): a generic text naming the code.
    last().receive({ type: "error", code: "something_new", message: "Something new went wrong." });
    expect(say(client.notice)).toBe("Something went wrong (something_new).");
    client.stop();
  });

  it("fails a send that gets no ack within the timeout", async () => {
    const { client, hello } = chatSetup(me);
    client.start();
    hello();
    await settle();
    client.messages.send("anyone?");
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT_MS - 1000);
    expect(client.messagesData.getPending("uuid-1")?.state).toBe("sent");
    await vi.advanceTimersByTimeAsync(2000);
    expect(client.messagesData.getPending("uuid-1")?.state).toBe("failed");
    client.stop();
  });
});
