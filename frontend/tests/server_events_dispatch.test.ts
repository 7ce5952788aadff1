/**
 * The dispatcher (server_events_dispatch.ts): every server frame type reaches exactly its handler, in the module
 * of its noun; a frame type with no handler (a newer server, or a name from Object.prototype) is ignored
 * without throwing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatClient } from "../src/client";
import { SERVER_FRAME_TYPES, type ServerFrame } from "../src/protocol";
import {
  dispatchServerFrame,
  serverFrameHandlers,
  type FrameType,
  type ServerFrameHandlers,
} from "../src/server_events_dispatch";
import { ana, bo, chatSetup, config, msg, room, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

/** One frame of every type, as the server sends them. */
const SAMPLES: { [K in FrameType]: Extract<ServerFrame, { type: K }> } = {
  hello: { type: "hello", user: me, rooms: [room(1, "general")], presence: [], config },
  "message.ack": { type: "message.ack", client_id: "uuid-1", message: msg(1, 1, ana, 5, "uuid-1") },
  "message.new": { type: "message.new", message: msg(1, 2, bo) },
  error: { type: "error", code: "rate_limited", message: "slow down" },
  "room.joined": { type: "room.joined", room: room(2, "random") },
  "room.left": { type: "room.left", room_id: 2 },
  "room.updated": { type: "room.updated", room: { id: 1, kind: "room", name: "general", topic: "", private: false, archived: true, joined: true, last_seq: 0, change_seq: 0 } },
  "member.joined": { type: "member.joined", room_id: 1, user: bo },
  "member.left": { type: "member.left", room_id: 1, user: bo },
  presence: { type: "presence", user: bo, status: "idle", last_seen: null, at: 1 },
  "presence.batch": { type: "presence.batch", changes: [{ user: bo, status: "idle", last_seen: null, at: 1 }] },
  typing: { type: "typing", room_id: 1, user: bo, active: true },
  read: { type: "read", room_id: 1, seq: 3 },
  mute: { type: "mute", room_id: 1, muted: true },
  "message.updated": { type: "message.updated", room_id: 1, change_seq: 2, message: { ...msg(1, 1), edited_at: 5, change_seq: 2 } },
  "message.deleted": { type: "message.deleted", room_id: 1, message_id: 10_001, seq: 1, change_seq: 3 },
  reactions: { type: "reactions", room_id: 1, message_id: 10_001, seq: 1, change_seq: 4, reactions: [] },
};
const TYPES = Object.keys(SAMPLES) as FrameType[];

function spyTable() {
  const spies = Object.fromEntries(TYPES.map((t) => [t, vi.fn()])) as unknown as Record<FrameType, ReturnType<typeof vi.fn>>;
  return { spies, handlers: spies as unknown as ServerFrameHandlers };
}

/** Where the client's table must send each frame type: the module (a field of ChatClient) and its method. */
const ROUTES: Record<FrameType, [module: (c: ChatClient) => object, method: string]> = {
  hello: [(c) => c, "onHello"],
  "message.ack": [(c) => c.messages, "onAck"],
  "message.new": [(c) => c.messages, "onNew"],
  error: [(c) => c.messages, "onError"],
  "room.joined": [(c) => c.rooms, "onJoined"],
  "room.left": [(c) => c.rooms, "onLeft"],
  "room.updated": [(c) => c.rooms, "onUpdated"],
  "member.joined": [(c) => c.members, "onJoined"],
  "member.left": [(c) => c.members, "onLeft"],
  presence: [(c) => c.presence, "onPresence"],
  "presence.batch": [(c) => c.presence, "onBatch"],
  typing: [(c) => c.typing, "onTyping"],
  read: [(c) => c.unread, "onRead"],
  mute: [(c) => c.rooms, "onMute"],
  "message.updated": [(c) => c.changes, "onUpdated"],
  "message.deleted": [(c) => c.changes, "onDeleted"],
  reactions: [(c) => c.changes, "onReactions"],
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("dispatchServerFrame", () => {
  it("the samples cover every frame type protocol.ts parses", () => {
    expect([...TYPES].sort()).toEqual([...SERVER_FRAME_TYPES].sort());
  });

  it.each(TYPES)("hands a %s frame to its handler only, once, with the frame", (type) => {
    const { spies, handlers } = spyTable();
    expect(dispatchServerFrame(handlers, SAMPLES[type])).toBe(true);
    for (const t of TYPES) {
      if (t === type) {
        expect(spies[t]).toHaveBeenCalledTimes(1);
        expect(spies[t]).toHaveBeenCalledWith(SAMPLES[type]);
      } else {
        expect(spies[t]).not.toHaveBeenCalled();
      }
    }
  });

  it.each(["reaction.add", "poll.created", "", "constructor", "toString", "__proto__", "hasOwnProperty"])(
    "ignores a frame of type %j without throwing",
    (type) => {
      const { spies, handlers } = spyTable();
      const frame = { type, message_id: 1 } as unknown as ServerFrame;
      expect(() => dispatchServerFrame(handlers, frame)).not.toThrow();
      expect(dispatchServerFrame(handlers, frame)).toBe(false);
      for (const t of TYPES) expect(spies[t]).not.toHaveBeenCalled();
    },
  );
});

describe("the client's table", () => {
  it("has exactly one handler per frame type", () => {
    const { client } = chatSetup(me);
    expect(Object.keys(serverFrameHandlers(client)).sort()).toEqual([...SERVER_FRAME_TYPES].sort());
  });

  it.each(TYPES)("routes a %s frame from the socket to its module", async (type) => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello();
    await settle();
    const spies = Object.fromEntries(
      TYPES.map((t) => {
        const [module, method] = ROUTES[t];
        const target = module(client) as unknown as Record<string, () => void>;
        return [t, vi.spyOn(target, method).mockImplementation(() => undefined)];
      }),
    );
    const changed = vi.fn();
    client.subscribe(changed);
    last().receive(SAMPLES[type]);
    for (const t of TYPES) {
      if (t === type) expect(spies[t]).toHaveBeenCalledWith(SAMPLES[type]);
      else expect(spies[t]).not.toHaveBeenCalled();
    }
    expect(changed).toHaveBeenCalled();
    client.stop();
  });

  it("a frame type the client does not know changes nothing and does not throw", async () => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello();
    await settle();
    const before = JSON.stringify({
      rooms: client.roomsData.allRooms(),
      messages: client.messagesData.list(1),
      notice: client.notice,
    });
    expect(() => last().receive({ type: "poll.created", room_id: 1, poll_id: 1 })).not.toThrow();
    expect(() => last().receive({ type: "constructor" })).not.toThrow();
    expect(client.conn.state).toBe("open");
    expect(
      JSON.stringify({ rooms: client.roomsData.allRooms(), messages: client.messagesData.list(1), notice: client.notice }),
    ).toBe(before);
    client.stop();
  });
});
