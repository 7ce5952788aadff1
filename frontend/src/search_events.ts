/**
 * Search, the client's side: asks `GET /api/search` for a query (first page, then "load more" pages with
 * `before=`), and opens a result: the room, scrolled to the message with its neighbours loaded
 * (messages_history.ts `loadAround`), the message marked for a moment as a clicked notification's is.
 * The list and its rules are in search_data.ts.
 */
import { describeError } from "./api";
import type { ChatClient } from "./client";
import type { Msg } from "./i18n/translate";
import type { SearchResult } from "./protocol";
import { SearchState } from "./search_data";

/** Results per page: a screenful or two, and the server's default. */
export const SEARCH_PAGE = 20;

export class SearchEvents {
  private readonly c: ChatClient;
  readonly state = new SearchState();
  loading = false;
  error: Msg | null = null;

  constructor(c: ChatClient) {
    this.c = c;
  }

  /** Runs a query (blank: clears the results). */
  async run(query: string): Promise<void> {
    const q = query.trim();
    const gen = this.state.start(q);
    this.error = null;
    if (!q) {
      this.loading = false;
      this.c.changed();
      return;
    }
    await this.fetch(gen, undefined);
  }

  /** The next page of the current query. */
  async more(): Promise<void> {
    const before = this.state.nextBefore();
    if (before === null || this.loading) return;
    await this.fetch(this.state.generation, before);
  }

  clear(): void {
    this.state.clear();
    this.loading = false;
    this.error = null;
    this.c.changed();
  }

  /** Opens the result's room scrolled to its message. */
  async open(r: SearchResult): Promise<void> {
    const c = this.c;
    const roomId = r.message.room_id;
    // A public room the user has not joined (named with in:): known from here on, with no read state.
    if (!c.roomsData.get(roomId)) c.roomsData.upsert({ last_read_seq: 0, unread: 0, mentions: 0, muted: false, ...r.room });
    if (!(await c.history.loadAround(roomId, r.message.seq))) return;
    c.rooms.select(roomId);
    c.rooms.focusSeq = r.message.seq;
    c.changed();
  }

  private async fetch(gen: number, before: number | undefined): Promise<void> {
    const c = this.c;
    this.loading = true;
    c.changed();
    try {
      const page = await c.api.search(this.state.query, { limit: SEARCH_PAGE, ...(before !== undefined ? { before } : {}) });
      this.state.applyPage(gen, page.results, page.has_more);
    } catch (err) {
      if (gen === this.state.generation) this.error = describeError(err);
    } finally {
      if (gen === this.state.generation) this.loading = false;
      c.changed();
    }
  }
}
