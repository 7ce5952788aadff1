/** Opening a DM (dms_events.ts): POST /api/dms once, the held DM without asking again. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ana, bo, chatSetup, json, room, settle } from "./fixtures";

const me = { ...ana, is_admin: false };
const dm = room(5, "", 0, { kind: "dm", private: true, members: [ana, bo] });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("dms", () => {
  it("opens a new DM through the server and selects it; the held one is reused", async () => {
    const { client, hello, requests } = chatSetup(me, { routes: { "POST /api/dms": () => json({ room: dm }) } });
    client.start();
    hello([room(1, "general")]);
    await settle();
    await client.dms.open(["bo"]);
    expect(requests.filter((r) => r.path === "/api/dms").map((r) => r.body)).toEqual([{ usernames: ["bo"] }]);
    expect(client.rooms.currentId).toBe(5);
    client.rooms.select(1);
    await client.dms.open(["BO"]);
    expect(client.rooms.currentId).toBe(5);
    expect(requests.filter((r) => r.path === "/api/dms")).toHaveLength(1);
    client.stop();
  });
});
