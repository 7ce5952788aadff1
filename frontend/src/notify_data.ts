/**
 * Browser notifications, pure: whether a message deserves one. A DM or a mention of the reader, by someone else,
 * not deleted, while the page is hidden, in a room the reader has not muted, once permission was granted.
 */
import type { Message, Room } from "./protocol";
import { mentionsUser } from "./reads_data";

export type Permission = "default" | "granted" | "denied" | "unsupported";

export function shouldNotify(m: Message, room: Room | undefined, meId: number, hidden: boolean, permission: Permission): boolean {
  if (permission !== "granted" || !hidden || !room || room.muted) return false;
  if (m.user.id === meId || m.deleted) return false;
  return room.kind === "dm" || mentionsUser(m, meId);
}

/** A notification's body: the message, cut to a length notification centres show whole. */
export const NOTIFY_BODY_MAX_CHARS = 140;

export function notificationBody(body: string): string {
  const chars = [...body];
  return chars.length > NOTIFY_BODY_MAX_CHARS ? `${chars.slice(0, NOTIFY_BODY_MAX_CHARS - 1).join("")}…` : body;
}
