/** Our own status (presence_events.ts): presence.set only on change, idle after idle_after_ms. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ana, chatSetup, settle } from "./fixtures";

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
