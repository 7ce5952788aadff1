import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ChatClient } from "../client";
import { buildRows, groupByDay } from "../messages_data";
import { firstUnreadSeq } from "../reads_data";
import { ArrowDownIcon } from "./icons";
import { useI18n } from "./i18n_context";
import { MessageItem } from "./MessageItem";
import { useNow } from "./useClient";

/** Within this many pixels of the bottom counts as "at the bottom" (sticks to new messages). */
const BOTTOM_SLACK_PX = 48;
/** Start fetching older history this close to the top, before the user hits it. */
const TOP_PREFETCH_PX = 300;

interface Snapshot {
  height: number;
  top: number;
  firstKey: string | null;
  lastKey: string | null;
}

/**
 * The open room's messages, oldest first, under one heading per day; short rooms sit at the bottom next to the
 * composer. The scroll position stays with the newest message while the reader is at the bottom, and stays put
 * when older pages load above. The list is a polite live region (role=log): new messages are read out; it is
 * marked busy while a history page loads, so a loaded page is not.
 *
 * Reading: a "New messages" line sits above the first message that was unread when the room was opened; the
 * end of the list is watched (IntersectionObserver) and reported to the client, which moves the read marker
 * only while it is on screen and the page is visible. A message a notification pointed at is scrolled into
 * view and marked for a moment.
 */
export function MessageList(props: { client: ChatClient; roomId: number }) {
  const t = useI18n();
  const { client, roomId } = props;
  const now = useNow(60_000);
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const snap = useRef<Snapshot>({ height: 0, top: 0, firstKey: null, lastKey: null });
  const seenSeq = useRef(0);
  const [atBottom, setAtBottom] = useState(true);
  const endRef = useRef<HTMLDivElement>(null);
  const room = client.roomsData.get(roomId);
  const openedMarker = client.rooms.openedReadSeq;

  const messages = client.messagesData.list(roomId);
  const pending = client.messagesData.pendingFor(roomId);
  const rows = buildRows(messages, pending, client.me);
  const days = groupByDay(rows);
  const firstKey = rows.find((r) => r.kind !== "day")?.key ?? null;
  const lastRow = rows[rows.length - 1];
  const lastKey = lastRow ? lastRow.key : null;
  const loaded = client.messagesData.isLoaded(roomId);
  const hasOlder = client.messagesData.hasOlder(roomId);
  const loadingOlder = client.history.loadingOlder.has(roomId);
  const loadingInitial = client.history.loadingInitial.has(roomId) && !loaded;
  const newestSeq = messages.length ? messages[messages.length - 1].seq : 0;
  if (stick.current) seenSeq.current = newestSeq;
  const unseen = messages.filter((m) => m.seq > seenSeq.current && m.user.id !== client.me.id).length;
  // Only messages that were unread when the room was opened: ones that came in while reading get no line.
  const firstUnread = openedMarker === null ? null : firstUnreadSeq(messages, openedMarker, client.me.id);
  const lineSeq = firstUnread !== null && firstUnread <= client.rooms.openedLatestSeq ? firstUnread : null;
  const focusSeq = client.rooms.focusSeq;
  const memberList = client.members.of(roomId);
  const names = useMemo(() => {
    const all = [...(memberList ?? []), ...(room?.members ?? [])];
    return new Set(all.map((u) => u.username.toLowerCase()));
  }, [memberList, room?.members]);

  // The end of the list on screen (and the page visible, checked by the client) is what "read" means.
  useEffect(() => {
    const el = ref.current;
    const end = endRef.current;
    if (!el || !end || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) client.unread.setAtBottom(e.isIntersecting);
    }, { root: el, threshold: 0 });
    io.observe(end);
    return () => io.disconnect();
  }, [client]);

  // A clicked notification's message: into view, marked, then forgotten.
  useEffect(() => {
    if (focusSeq === null) return;
    const item = ref.current?.querySelector<HTMLElement>(`[data-seq="${focusSeq}"]`);
    if (!item) return;
    stick.current = false;
    item.scrollIntoView({ block: "center" });
    const h = setTimeout(() => {
      if (client.rooms.focusSeq === focusSeq) {
        client.rooms.focusSeq = null;
        client.changed();
      }
    }, 4_000);
    return () => clearTimeout(h);
  }, [focusSeq, messages.length]);

  const loadOlder = () => {
    void client.history.loadOlder(roomId);
  };

  // After each render: keep the reading position stable.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const prev = snap.current;
    const appendedOwn = lastRow?.kind === "pending" && lastKey !== prev.lastKey;
    if (appendedOwn) stick.current = true;
    if (stick.current) {
      el.scrollTop = el.scrollHeight;
    } else if (prev.firstKey !== null && firstKey !== prev.firstKey) {
      // Older messages went in above: move down by exactly what was added, so nothing jumps.
      el.scrollTop = prev.top + (el.scrollHeight - prev.height);
    }
    snap.current = { height: el.scrollHeight, top: el.scrollTop, firstKey, lastKey };
    // Not enough history to scroll yet: fetch more so the user can.
    if (loaded && hasOlder && !loadingOlder && el.scrollHeight <= el.clientHeight + TOP_PREFETCH_PX / 3) loadOlder();
  });

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX;
    stick.current = bottom;
    snap.current = { ...snap.current, height: el.scrollHeight, top: el.scrollTop };
    if (bottom !== atBottom) setAtBottom(bottom);
    if (bottom) seenSeq.current = newestSeq;
    if (typeof IntersectionObserver === "undefined") client.unread.setAtBottom(bottom);
    if (el.scrollTop < TOP_PREFETCH_PX && hasOlder && loaded && !loadingOlder) loadOlder();
  };

  const jumpToBottom = () => {
    const el = ref.current;
    if (!el) return;
    stick.current = true;
    el.scrollTop = el.scrollHeight;
    setAtBottom(true);
    seenSeq.current = newestSeq;
    client.unread.setAtBottom(true);
  };

  return (
    <div class="messages-wrap">
      {loadingOlder && (
        <div class="loading-older" data-testid="load-older-status" role="status">
          {t.t("messages.loadingOlder")}
        </div>
      )}
      <div
        class="messages"
        ref={ref}
        onScroll={onScroll}
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label={t.t("messages.label")}
        aria-busy={loadingOlder || loadingInitial ? true : undefined}
        data-testid="message-list"
        data-room-id={roomId}
        tabIndex={0}
      >
        <div class="messages-inner">
          {loaded && !hasOlder && (
            <div class="history-start" data-testid="history-start">
              {t.t("messages.historyStart")}
            </div>
          )}
          {loadingInitial && (
            <div class="muted pad center" role="status">
              {t.t("messages.loading")}
            </div>
          )}
          {client.history.error && !loaded && (
            <div class="form-error pad" role="alert" data-testid="history-error">
              {t.text(client.history.error)}{" "}
              <button type="button" class="link" onClick={() => void client.history.loadInitial(roomId)}>
                {t.t("form.tryAgain")}
              </button>
            </div>
          )}
          {loaded && messages.length === 0 && pending.length === 0 && (
            <div class="muted pad center" data-testid="no-messages">
              {t.t("messages.empty")}
            </div>
          )}
          {days.map((d) => (
            <div class="day" key={d.key}>
              <h2 class="day-sep" id={`${d.key}-${roomId}`} data-testid="day-separator">
                <span>{t.day(d.day, now)}</span>
              </h2>
              <ol class="message-rows" aria-labelledby={`${d.key}-${roomId}`}>
                {d.rows.map((row) => (
                  <MessageItem
                    key={row.key}
                    row={row}
                    client={client}
                    room={room}
                    names={names}
                    newLine={row.kind === "message" && row.message.seq === lineSeq}
                    focused={row.kind === "message" && row.message.seq === focusSeq}
                  />
                ))}
              </ol>
            </div>
          ))}
          <div class="messages-end" ref={endRef} aria-hidden="true" />
        </div>
      </div>
      {!atBottom && unseen > 0 && (
        <button type="button" class="new-messages" data-testid="new-messages-button" onClick={jumpToBottom}>
          {t.t("messages.newCount", { count: unseen })} <ArrowDownIcon />
        </button>
      )}
      {!atBottom && unseen === 0 && (
        <button
          type="button"
          class="new-messages subtle"
          data-testid="jump-to-bottom"
          aria-label={t.t("messages.jumpToNewest")}
          title={t.t("messages.jumpToNewest")}
          onClick={jumpToBottom}
        >
          <ArrowDownIcon />
        </button>
      )}
    </div>
  );
}
