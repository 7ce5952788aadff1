/**
 * Typed mirror of docs/protocol.md (the wire contract). When the contract changes, this file, the
 * server's schemas and the doc change together. Nothing here does I/O.
 */

export interface User {
  id: number;
  username: string;
}

export interface Me extends User {
  is_admin: boolean;
}

export type RoomKind = "room" | "dm";

/** A room without anyone's own state: what `room.updated` and the admin API carry. */
export interface SharedRoom {
  id: number;
  /** "dm": a direct conversation (private, no name; title it with `members`) */
  kind: RoomKind;
  /** "" for a DM */
  name: string;
  topic: string;
  private: boolean;
  archived: boolean;
  joined: boolean;
  /** seq of the newest message in the room; 0 for an empty room */
  last_seq: number;
  /** the room's change cursor: the change_seq of its latest edit, deletion or reaction change (0: none yet) */
  change_seq: number;
  /** a DM's current members by username, the caller included; absent for rooms */
  members?: User[];
}

/** A room as this user sees it (hello, GET /api/rooms, room.joined, create and join answers). */
export interface Room extends SharedRoom {
  /** the user's read marker: every message up to this seq counts as read; 0 where not joined */
  last_read_seq: number;
  /** messages after the marker (up to last_seq) by others */
  unread: number;
  /** of those, the ones that mention the user (by name or @room) */
  mentions: number;
  /** the user muted this room: no notifications, no unread badge (the server still counts) */
  muted: boolean;
}

export interface Message {
  id: number;
  room_id: number;
  seq: number;
  user: User;
  body: string;
  /** ms since the Unix epoch (UTC) */
  created_at: number;
  client_id: string;
  /** ids of the users the message mentions (by @name or @room), ascending; never its author; [] when deleted */
  mentions: number[];
  /** ms since the Unix epoch of the last edit; null if never edited */
  edited_at: number | null;
  /** a tombstone: body "", mentions [], reactions [] */
  deleted: boolean;
  /** the room's change_seq at this message's last change (0: never changed); keep the copy with the higher one */
  change_seq: number;
  /** ordered by each emoji's earliest reaction still there */
  reactions: Reaction[];
  /** the files sent with it, in the order they were attached ([] or absent: none; [] when deleted) */
  files?: MessageFile[];
}

export interface Reaction {
  emoji: string;
  /** the number of `users` */
  count: number;
  /** in the order they reacted */
  users: User[];
}

export type Status = "online" | "idle" | "offline";

export interface Member extends User {
  status: Status;
  last_seen: number | null;
}

export interface PresenceEntry {
  user: User;
  status: Status;
  last_seen: number | null;
}

/** The server's timing constants, sent in every `hello`. */
export interface Config {
  heartbeat_s: number;
  presence_grace_ms: number;
  typing_refresh_ms: number;
  typing_expiry_ms: number;
  idle_after_ms: number;
  max_body_chars: number;
}

/** Defaults from docs/protocol.md, used only until the first `hello` arrives. */
export const DEFAULT_CONFIG: Config = {
  heartbeat_s: 10,
  presence_grace_ms: 5_000,
  typing_refresh_ms: 3_000,
  typing_expiry_ms: 6_000,
  idle_after_ms: 120_000,
  max_body_chars: 4_000,
};

// ---- REST bodies ---------------------------------------------------------------------------

export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string[]> };
}

export interface UserResponse {
  user: Me;
}
/** The admin API's room answers: the room without the caller's own state. */
export interface SharedRoomResponse {
  room: SharedRoom;
}
export interface RoomsResponse {
  rooms: Room[];
}
export interface RoomResponse {
  room: Room;
}
export interface MembersResponse {
  members: Member[];
}
export interface MemberResponse {
  member: Member;
}
export interface MessagesResponse {
  /** oldest … newest */
  messages: Message[];
  has_more: boolean;
}
/** GET /api/rooms/{id}/messages?around=<seq>&limit=: up to `limit` messages centred on `seq` */
export interface MessagesAroundResponse {
  /** oldest … newest */
  messages: Message[];
  has_more_before: boolean;
  has_more_after: boolean;
}
/** A file sent with a message (docs/protocol.md "File"; named so as not to hide the DOM's File). */
export interface MessageFile {
  id: number;
  /** a safe base name, chosen by the uploader */
  name: string;
  /** bytes */
  size: number;
  /** what the server found in the bytes */
  content_type: string;
  /** an image the server could read: shown inline, with `width` and `height` */
  thumbnail: boolean;
  width?: number;
  height?: number;
}
/** POST /api/rooms/{id}/files */
export interface FileResponse {
  file: MessageFile;
}
/** GET /api/search: newest first; `before` = the last result's message id for the next page */
export interface SearchResult {
  message: Message;
  /** the room as everyone sees it (no read state of the caller), with `joined` */
  room: SharedRoom;
}
export interface SearchResponse {
  results: SearchResult[];
  has_more: boolean;
}
/** GET /api/rooms/{id}/changes?since=&limit= */
export interface ChangesResponse {
  /** current state of the messages whose latest change is after `since`, oldest change first */
  messages: Message[];
  /** the cursor to pass as `since` next time */
  change_seq: number;
  has_more: boolean;
}
/** POST /api/dms: 1–8 other users; answered with a RoomResponse */
export interface DmOpenBody {
  usernames: string[];
}
export interface PresenceResponse {
  presence: PresenceEntry[];
}
/** PUT /api/rooms/{id}/mute */
export interface MuteResponse {
  room_id: number;
  muted: boolean;
}

// The admin API and invites: admin_protocol.ts (re-exported here, so importers need not care).
export * from "./admin_protocol";

// ---- WebSocket: client → server ------------------------------------------------------------

export interface MessageSendFrame {
  type: "message.send";
  room_id: number;
  body: string;
  client_id: string;
  /** files uploaded for this message (the body may then be empty) */
  file_ids?: number[];
}
export interface PresenceSetFrame {
  type: "presence.set";
  status: "online" | "idle";
}
/**
 * Follow these users' presence whatever room we share with them (the members a large room shows on screen);
 * replaces the previous list. Answered with a `presence.batch` of their current statuses.
 */
export interface PresenceWatchFrame {
  type: "presence.watch";
  user_ids: number[];
}
export interface TypingSendFrame {
  type: "typing";
  room_id: number;
  active: boolean;
}
/** Moves the user's read marker forward (never back); seq is clamped to the room's last_seq. */
export interface ReadSendFrame {
  type: "read";
  room_id: number;
  seq: number;
}
export interface MessageEditFrame {
  type: "message.edit";
  message_id: number;
  body: string;
}
export interface MessageDeleteFrame {
  type: "message.delete";
  message_id: number;
}
export interface ReactionSendFrame {
  type: "reaction.add" | "reaction.remove";
  message_id: number;
  /** one emoji, or a shortcode from SHORTCODES */
  emoji: string;
}
export type ClientFrame =
  | MessageSendFrame
  | MessageEditFrame
  | MessageDeleteFrame
  | ReactionSendFrame
  | PresenceSetFrame
  | PresenceWatchFrame
  | TypingSendFrame
  | ReadSendFrame;

// ---- WebSocket: server → client ------------------------------------------------------------

export interface HelloFrame {
  type: "hello";
  user: Me;
  rooms: Room[];
  presence: PresenceEntry[];
  config: Config;
}
export interface MessageAckFrame {
  type: "message.ack";
  client_id: string;
  message: Message;
}
export interface MessageNewFrame {
  type: "message.new";
  message: Message;
}
export interface RoomJoinedFrame {
  type: "room.joined";
  room: Room;
}
export interface RoomLeftFrame {
  type: "room.left";
  room_id: number;
}
/** An admin changed the room (archived / unarchived): replace its shared fields, keep the user's own. */
export interface RoomUpdatedFrame {
  type: "room.updated";
  room: SharedRoom;
}
export interface MemberJoinedFrame {
  type: "member.joined";
  room_id: number;
  user: User;
}
export interface MemberLeftFrame {
  type: "member.left";
  room_id: number;
  user: User;
}
export interface PresenceFrame {
  type: "presence";
  user: User;
  status: Status;
  last_seen: number | null;
  /** server time of the change */
  at: number;
}
/** One change in a `presence.batch`: a `presence` frame without its type. */
export type PresenceChange = Omit<PresenceFrame, "type">;
/** Several presence changes of one interval at once (or the answer to `presence.watch`). */
export interface PresenceBatchFrame {
  type: "presence.batch";
  changes: PresenceChange[];
}
export interface TypingFrame {
  type: "typing";
  room_id: number;
  user: User;
  active: boolean;
}
/** The user's read marker of a room moved (in any tab): marker = max(marker, seq). */
export interface ReadFrame {
  type: "read";
  room_id: number;
  seq: number;
}
/** The user muted or unmuted a room (in any tab). */
export interface MuteFrame {
  type: "mute";
  room_id: number;
  muted: boolean;
}
/** A message was edited: its whole current state (may also carry reactions, or a deletion when read back). */
export interface MessageUpdatedFrame {
  type: "message.updated";
  room_id: number;
  change_seq: number;
  message: Message;
}
export interface MessageDeletedFrame {
  type: "message.deleted";
  room_id: number;
  message_id: number;
  seq: number;
  change_seq: number;
}
export interface ReactionsFrame {
  type: "reactions";
  room_id: number;
  message_id: number;
  seq: number;
  change_seq: number;
  /** the message's whole list, as it is now */
  reactions: Reaction[];
}
export interface ErrorFrame {
  type: "error";
  code: SocketErrorCode | string;
  message: string;
  /** echoes a refused message.send's */
  client_id?: string;
  /** echoes a refused message.edit's, message.delete's or reaction's */
  message_id?: number;
  fields?: Record<string, unknown>;
  /** With rate_limited: milliseconds until the same send would pass. */
  retry_after_ms?: number;
}
export type ServerFrame =
  | HelloFrame
  | MessageAckFrame
  | MessageNewFrame
  | RoomJoinedFrame
  | RoomLeftFrame
  | RoomUpdatedFrame
  | MemberJoinedFrame
  | MemberLeftFrame
  | PresenceFrame
  | PresenceBatchFrame
  | TypingFrame
  | ReadFrame
  | MuteFrame
  | MessageUpdatedFrame
  | MessageDeletedFrame
  | ReactionsFrame
  | ErrorFrame;
/** The change frames (edits, deletions, reactions; docs/protocol.md "Changes"). */
export type ChangeFrame = MessageUpdatedFrame | MessageDeletedFrame | ReactionsFrame;

export type SocketErrorCode =
  | "bad_json"
  | "binary_unsupported"
  | "unknown_type"
  | "invalid_frame"
  | "body_empty"
  | "body_too_long"
  | "room_not_found"
  | "not_a_member"
  | "room_archived"
  | "mention_room_too_large"
  | "rate_limited"
  | "message_not_found"
  | "not_author"
  | "message_deleted"
  | "too_many_reactions"
  | "internal_error"
  | "database_unavailable";

/** Every server frame type once: a type missing from this record, or foreign to ServerFrame, fails to compile. */
const SERVER_FRAME_TYPE_KEYS: Record<ServerFrame["type"], true> = {
  hello: true,
  "message.ack": true,
  "message.new": true,
  "room.joined": true,
  "room.left": true,
  "room.updated": true,
  "member.joined": true,
  "member.left": true,
  presence: true,
  "presence.batch": true,
  typing: true,
  read: true,
  mute: true,
  "message.updated": true,
  "message.deleted": true,
  reactions: true,
  error: true,
};
export const SERVER_FRAME_TYPES: ReadonlySet<string> = new Set(Object.keys(SERVER_FRAME_TYPE_KEYS));

/** Parses one text frame; returns null for anything that is not a known server frame. */
export function parseServerFrame(text: string): ServerFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !SERVER_FRAME_TYPES.has(type)) return null;
  return value as ServerFrame;
}

// ---- Close codes ---------------------------------------------------------------------------

export const CLOSE_GOING_AWAY = 1001;
/** 20 invalid frames in a row: a client bug */
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_BIG = 1009;
/** session ended (logout, password change, account disabled): go to login, never reconnect */
export const CLOSE_SESSION_ENDED = 4401;
/** the connection fell behind: reconnect and catch up with after= */
export const CLOSE_TOO_SLOW = 4408;

// ---- Limits --------------------------------------------------------------------------------

export const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
export const ROOM_NAME_MAX = 64;
export const ROOM_TOPIC_MAX = 250;
export const HISTORY_PAGE = 50;
/** other users in one DM at most */
export const DM_MAX_OTHERS = 8;
/** users one `presence.watch` may name at most */
export const PRESENCE_WATCH_MAX = 100;
/** different emoji on one message at most */
export const REACTIONS_MAX_EMOJI = 20;
/** shortcodes a reaction may use; each stands for its emoji (docs/protocol.md "Reactions") */
export const SHORTCODES: Readonly<Record<string, string>> = {
  ":+1:": "\u{1F44D}",
  ":-1:": "\u{1F44E}",
  ":heart:": "\u2764\uFE0F",
  ":smile:": "\u{1F604}",
  ":laughing:": "\u{1F606}",
  ":tada:": "\u{1F389}",
  ":eyes:": "\u{1F440}",
  ":rocket:": "\u{1F680}",
  ":thinking:": "\u{1F914}",
  ":fire:": "\u{1F525}",
  ":pray:": "\u{1F64F}",
  ":clap:": "\u{1F44F}",
  ":cry:": "\u{1F622}",
  ":100:": "\u{1F4AF}",
  ":white_check_mark:": "\u2705",
  ":x:": "\u274C",
};
/** `@room` is refused (mention_room_too_large) in rooms of more members than this. */
export const ROOM_MENTION_MAX_MEMBERS = 50;
