import { describe, expect, it } from "vitest";
import { NOTIFY_BODY_MAX_CHARS, notificationBody, shouldNotify } from "../src/notify_data";
import { ana, bo, msg, room } from "./fixtures";

const dm = room(5, "", 0, { kind: "dm", private: true, members: [ana, bo] });
const general = room(1, "general");
const mention = { ...msg(1, 2, bo), mentions: [ana.id] };

describe("notify_data", () => {
  it("a DM or a mention by someone else while hidden, once granted", () => {
    expect(shouldNotify(msg(5, 1, bo), dm, ana.id, true, "granted")).toBe(true);
    expect(shouldNotify(mention, general, ana.id, true, "granted")).toBe(true);
    expect(shouldNotify(msg(1, 2, bo), general, ana.id, true, "granted")).toBe(false);
  });

  it("nothing while visible, without permission, in a muted room, or for one's own message", () => {
    expect(shouldNotify(mention, general, ana.id, false, "granted")).toBe(false);
    expect(shouldNotify(mention, general, ana.id, true, "default")).toBe(false);
    expect(shouldNotify(mention, { ...general, muted: true }, ana.id, true, "granted")).toBe(false);
    expect(shouldNotify(msg(5, 1, ana), dm, ana.id, true, "granted")).toBe(false);
  });

  it("long bodies are cut", () => {
    expect([...notificationBody("x".repeat(500))]).toHaveLength(NOTIFY_BODY_MAX_CHARS);
    expect(notificationBody("short")).toBe("short");
  });
});
