import type { Message, Room, User } from "../src/protocol";

export const ana: User = { id: 1, username: "ana" };
export const bo: User = { id: 2, username: "Bo" };
export const cy: User = { id: 3, username: "cy" };

export function msg(roomId: number, seq: number, user: User = ana, createdAt = 1_700_000_000_000 + seq * 1000, clientId = `c${roomId}-${seq}`): Message {
  return { id: roomId * 10_000 + seq, room_id: roomId, seq, user, body: `message ${seq}`, created_at: createdAt, client_id: clientId };
}

export function msgs(roomId: number, from: number, to: number, user: User = ana): Message[] {
  const out: Message[] = [];
  for (let s = from; s <= to; s++) out.push(msg(roomId, s, user));
  return out;
}

export function room(id: number, name: string, lastSeq = 0, extra: Partial<Room> = {}): Room {
  return { id, name, topic: "", private: false, archived: false, joined: true, last_seq: lastSeq, ...extra };
}
