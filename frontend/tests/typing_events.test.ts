/** Our own typing frames (typing_events.ts): throttled while typing, stopped on send. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ana, chatSetup, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("typing", () => {
  it("throttles typing frames and stops typing on send", async () => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello();
    await settle();
    client.typing.composerInput("h");
    client.typing.composerInput("he");
    await vi.advanceTimersByTimeAsync(3000);
    client.typing.composerInput("hel");
    client.messages.send("hel");
    expect(last().sentOf("typing")).toEqual([
      { type: "typing", room_id: 1, active: true },
      { type: "typing", room_id: 1, active: true },
      { type: "typing", room_id: 1, active: false },
    ]);
    client.stop();
  });
});
