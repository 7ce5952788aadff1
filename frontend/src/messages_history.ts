/**
 * Message history over REST (`GET /api/rooms/{id}/messages`): the newest page when a room is first opened,
 * older pages as the user scrolls up, and catch-up after a hole.
 *
 * Jumping to a message (a search result): `around=<seq>` fetches it with its neighbours; the catch-up then
 * fills what lies between them and the newest messages, so the room's log stays one contiguous run.
 *
 * Catch-up: fetch `after=<contiguous top>` while `has_more`, for the open room and every joined room whose
 * history we hold — after each `hello`, and whenever a live message lands above a hole. One catch-up per
 * room at a time; a request for another while one runs makes it go round once more.
 */
import { describeError } from "./api";
import type { ChatClient } from "./client";
import type { Msg } from "./i18n/translate";
import { HISTORY_PAGE } from "./protocol";

/** Catch-up pages use the largest page the server allows, to close a hole in as few requests as possible. */
const CATCH_UP_PAGE = 100;
/** After a failed older-history fetch, wait this long before the scroll position may trigger another. */
const OLDER_RETRY_MS = 5_000;
/** Upper bound on catch-up pages per round, so a misbehaving server cannot keep us looping. */
const CATCH_UP_MAX_PAGES = 10_000;

export class MessagesHistory {
  private readonly c: ChatClient;
  /** rooms whose newest page is being fetched */
  readonly loadingInitial = new Set<number>();
  /** rooms whose next older page is being fetched */
  readonly loadingOlder = new Set<number>();
  /** why the open room's newest page could not be fetched, for the message view */
  error: Msg | null = null;
  private readonly syncing = new Set<number>();
  private readonly resync = new Set<number>();
  private readonly olderFailedAt = new Map<number, number>();

  constructor(c: ChatClient) {
    this.c = c;
  }

  /** After a `hello`: catch up every joined room whose history we hold. */
  hello(): void {
    for (const r of this.c.roomsData.joinedRooms()) {
      if (this.c.messagesData.isLoaded(r.id)) void this.syncRoom(r.id);
    }
  }

  /** Newest page of a room, then any hole above it is closed by syncRoom. */
  async loadInitial(roomId: number): Promise<void> {
    const c = this.c;
    if (this.loadingInitial.has(roomId)) return;
    this.loadingInitial.add(roomId);
    this.error = null;
    c.changed();
    try {
      const page = await c.api.messages(roomId, { limit: HISTORY_PAGE });
      c.messagesData.applyNewestPage(roomId, page.messages, page.has_more);
      const last = page.messages[page.messages.length - 1];
      if (last) c.roomsData.bumpLatest(roomId, last.seq, last);
      c.changes.messagesArrived(roomId);
      if (roomId === c.rooms.currentId) c.unread.maybeMarkRead();
    } catch (err) {
      if (roomId === c.rooms.currentId) this.error = describeError(err);
    } finally {
      this.loadingInitial.delete(roomId);
      c.changed();
    }
    if (c.messagesData.isLoaded(roomId)) await this.syncRoom(roomId);
  }

  /**
   * Makes sure message `seq` of a room is held, with its neighbours: fetched with around= unless already held.
   * Returns false when it could not be fetched (the notice says why).
   */
  async loadAround(roomId: number, seq: number): Promise<boolean> {
    const c = this.c;
    if (c.messagesData.has(roomId, seq)) return true;
    try {
      const page = await c.api.messagesAround(roomId, seq, HISTORY_PAGE);
      c.messagesData.applyAroundPage(roomId, page.messages, page.has_more_before);
      const last = page.messages[page.messages.length - 1];
      if (last) c.roomsData.bumpLatest(roomId, last.seq, last);
      c.changes.messagesArrived(roomId);
      return true;
    } catch (err) {
      c.setNotice(describeError(err));
      return false;
    } finally {
      c.changed();
    }
  }

  /** Older page below the oldest held message (scrolling up). */
  async loadOlder(roomId: number): Promise<boolean> {
    const c = this.c;
    if (this.loadingOlder.has(roomId) || !c.messagesData.isLoaded(roomId) || !c.messagesData.hasOlder(roomId)) {
      return false;
    }
    const before = c.messagesData.oldestSeq(roomId);
    if (before <= 1) return false;
    const failedAt = this.olderFailedAt.get(roomId);
    if (failedAt !== undefined && c.now() - failedAt < OLDER_RETRY_MS) return false;
    this.loadingOlder.add(roomId);
    c.changed();
    try {
      const page = await c.api.messages(roomId, { before, limit: HISTORY_PAGE });
      c.messagesData.applyOlderPage(roomId, page.messages, page.has_more);
      return page.messages.length > 0;
    } catch (err) {
      this.olderFailedAt.set(roomId, c.now());
      c.setNotice(describeError(err));
      return false;
    } finally {
      this.loadingOlder.delete(roomId);
      c.changed();
    }
  }

  /** Catch-up: fetch after the contiguous top while there is more (see module comment). */
  async syncRoom(roomId: number): Promise<void> {
    const c = this.c;
    if (this.syncing.has(roomId)) {
      this.resync.add(roomId);
      return;
    }
    this.syncing.add(roomId);
    try {
      do {
        this.resync.delete(roomId);
        for (let guard = 0; guard < CATCH_UP_MAX_PAGES; guard++) {
          if (!c.roomsData.isJoined(roomId) && roomId !== c.rooms.currentId) return;
          const top = c.messagesData.contiguousTop(roomId);
          const latest = Math.max(c.roomsData.latestSeq(roomId), c.messagesData.newestSeq(roomId));
          if (top === 0 || top >= latest) break;
          const page = await c.api.messages(roomId, { after: top, limit: CATCH_UP_PAGE });
          c.messagesData.insert(roomId, page.messages);
          for (const m of page.messages) c.roomsData.bumpLatest(roomId, m.seq, m);
          c.changes.messagesArrived(roomId);
          if (roomId === c.rooms.currentId) c.unread.maybeMarkRead();
          c.changed();
          if (!page.has_more || page.messages.length === 0) break;
        }
      } while (this.resync.has(roomId));
    } catch {
      // The next hello (or the next live message above the hole) tries again.
    } finally {
      this.syncing.delete(roomId);
    }
  }
}
