/**
 * Direct messages, pure: a DM has no name of its own, so it is titled with its other members' names; its
 * presence mark is the other person's (a DM of more than two people has none); the sidebar lists DMs apart from
 * rooms; the "new message" picker takes 1 to DM_MAX_OTHERS people.
 */
import { msg, type Msg } from "./i18n/translate";
import { DM_MAX_OTHERS, type Room, type SharedRoom, type User } from "./protocol";

export function isDm(room: Pick<SharedRoom, "kind">): boolean {
  return room.kind === "dm";
}

/** The DM's members other than the reader, by username. */
export function dmOthers(room: Pick<SharedRoom, "members">, meId: number): User[] {
  return (room.members ?? [])
    .filter((u) => u.id !== meId)
    .sort((a, b) => a.username.localeCompare(b.username, undefined, { sensitivity: "base" }));
}

/** The one other person of a two-person DM (whose presence the sidebar shows), else null. */
export function dmPartner(room: Pick<SharedRoom, "members">, meId: number): User | null {
  const others = dmOthers(room, meId);
  return others.length === 1 ? others[0] : null;
}

/**
 * What a room is called on screen: its name, or for a DM the other members' names ("ana, bo"); a DM everyone
 * else has left is titled with the reader's own name.
 */
export function roomTitle(room: Pick<SharedRoom, "kind" | "name" | "members">, me: User): string {
  if (!isDm(room)) return room.name;
  const others = dmOthers(room, me.id);
  return others.length ? others.map((u) => u.username).join(", ") : me.username;
}

/** Joined rooms and DMs apart: rooms in their given order, DMs by title. */
export function splitDms(rooms: readonly Room[], me: User): { rooms: Room[]; dms: Room[] } {
  const dms = rooms.filter(isDm).sort((a, b) => roomTitle(a, me).localeCompare(roomTitle(b, me), undefined, { sensitivity: "base" }));
  return { rooms: rooms.filter((r) => !isDm(r)), dms };
}

/** The sidebar's order (rooms, then DMs): what Alt+↑ / Alt+↓ walk through. */
export function sidebarOrder(rooms: readonly Room[], me: User): Room[] {
  const s = splitDms(rooms, me);
  return [...s.rooms, ...s.dms];
}

/** Usernames typed into the picker: split on commas and spaces, a leading @ dropped, each once (any case). */
export function parseUsernames(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    const name = raw.replace(/^@/, "");
    if (!name || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push(name);
  }
  return out;
}

/** Why the picker's choice cannot open a DM (none, too many, or the reader themself), else null. */
export function checkDmChoice(usernames: readonly string[], me: User): Msg | null {
  const others = usernames.filter((n) => n.toLowerCase() !== me.username.toLowerCase());
  if (others.length !== usernames.length) return msg("dm.notYourself");
  if (others.length === 0) return msg("dm.pickSomeone");
  if (others.length > DM_MAX_OTHERS) return msg("dm.tooMany", { max: DM_MAX_OTHERS });
  return null;
}

/** The DM already held with exactly these people (by username, any case), if any. */
export function findDm(rooms: readonly Room[], usernames: readonly string[], me: User): Room | undefined {
  const want = new Set(usernames.map((n) => n.toLowerCase()));
  want.delete(me.username.toLowerCase());
  return rooms.find((r) => {
    if (!isDm(r)) return false;
    const others = dmOthers(r, me.id).map((u) => u.username.toLowerCase());
    return others.length === want.size && others.every((n) => want.has(n));
  });
}
