/**
 * Direct messages: opening one (`POST /api/dms`, the same room for the same people whoever asks), from the member
 * list or the "new message" picker. The DM arrives like any room (`room.joined` to every member's tabs); the
 * answer opens it here at once.
 */
import type { ChatClient } from "./client";
import { findDm } from "./dms_data";
import type { Room } from "./protocol";

export class DmsEvents {
  private readonly c: ChatClient;

  constructor(c: ChatClient) {
    this.c = c;
  }

  /** Opens the DM with these people (not counting the user): the one held, else asks the server. */
  async open(usernames: string[]): Promise<Room> {
    const c = this.c;
    const held = findDm(c.roomsData.joinedRooms(), usernames, c.me);
    if (held) {
      c.rooms.select(held.id);
      return held;
    }
    const room = await c.api.openDm(usernames);
    c.roomsData.upsert({ ...room, joined: true });
    c.changes.joined(room);
    c.rooms.select(room.id);
    return room;
  }
}
