/**
 * Which module handles which server frame: one table, one handler per frame type, in the module of the
 * frame's noun (Zulip's server_events_dispatch has the same role). Nothing here decides anything; reading the
 * table tells where each frame goes.
 *
 * The table's type is a mapped type over `ServerFrame["type"]`: a frame type added to protocol.ts without a
 * handler, a key that is not a frame type, or a handler taking the wrong frame all fail to compile.
 * A frame whose type has no entry (a newer server) is ignored.
 */
import type { ChatClient } from "./client";
import type { ServerFrame } from "./protocol";

export type FrameType = ServerFrame["type"];
export type FrameOf<K extends FrameType> = Extract<ServerFrame, { type: K }>;
export type ServerFrameHandlers = { readonly [K in FrameType]: (frame: FrameOf<K>) => void };

/** Hands the frame to its handler; false (and nothing else) for a type with no handler. */
export function dispatchServerFrame(handlers: ServerFrameHandlers, frame: ServerFrame): boolean {
  // Own keys only: a frame typed "constructor" or "toString" must not reach Object.prototype.
  if (!Object.hasOwn(handlers, frame.type)) return false;
  (handlers[frame.type] as (frame: ServerFrame) => void)(frame);
  return true;
}

/** The client's table: frame type → the handler in the module of its noun. */
export function serverFrameHandlers(c: ChatClient): ServerFrameHandlers {
  return {
    hello: (f) => c.onHello(f),
    "message.ack": (f) => c.messages.onAck(f),
    "message.new": (f) => c.messages.onNew(f),
    error: (f) => c.messages.onError(f),
    "room.joined": (f) => c.rooms.onJoined(f),
    "room.left": (f) => c.rooms.onLeft(f),
    "room.updated": (f) => c.rooms.onUpdated(f),
    "member.joined": (f) => c.members.onJoined(f),
    "member.left": (f) => c.members.onLeft(f),
    presence: (f) => c.presence.onPresence(f),
    "presence.batch": (f) => c.presence.onBatch(f),
    typing: (f) => c.typing.onTyping(f),
    read: (f) => c.unread.onRead(f),
    mute: (f) => c.rooms.onMute(f),
    "message.updated": (f) => c.changes.onUpdated(f),
    "message.deleted": (f) => c.changes.onDeleted(f),
    reactions: (f) => c.changes.onReactions(f),
  };
}
