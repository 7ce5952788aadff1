import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ChatClient } from "../client";
import { buildRows, formatDay, formatFullTimestamp, formatTime, type Row } from "../messages_data";
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

export function MessageList(props: { client: ChatClient; roomId: number }) {
  const { client, roomId } = props;
  const now = useNow(60_000);
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const snap = useRef<Snapshot>({ height: 0, top: 0, firstKey: null, lastKey: null });
  const seenSeq = useRef(0);
  const [atBottom, setAtBottom] = useState(true);

  const messages = client.messagesData.list(roomId);
  const pending = client.messagesData.pendingFor(roomId);
  const rows = buildRows(messages, pending, client.me);
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
    client.unread.setAtBottom(bottom);
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
          Loading older messages…
        </div>
      )}
      <div
        class="messages"
        ref={ref}
        onScroll={onScroll}
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label="Messages"
        data-testid="message-list"
        data-room-id={roomId}
        tabIndex={0}
      >
        {loaded && !hasOlder && (
          <div class="history-start" data-testid="history-start">
            This is the beginning of the room.
          </div>
        )}
        {loadingInitial && (
          <div class="muted pad center" role="status">
            Loading messages…
          </div>
        )}
        {client.history.error && !loaded && (
          <div class="form-error pad" role="alert" data-testid="history-error">
            {client.history.error}{" "}
            <button type="button" class="link" onClick={() => void client.history.loadInitial(roomId)}>
              Try again
            </button>
          </div>
        )}
        {loaded && messages.length === 0 && pending.length === 0 && (
          <div class="muted pad center" data-testid="no-messages">
            No messages yet. Say hello!
          </div>
        )}
        <ol class="message-rows">
          {rows.map((row) => (
            <RowView key={row.key} row={row} client={client} now={now} />
          ))}
        </ol>
      </div>
      {!atBottom && unseen > 0 && (
        <button type="button" class="new-messages" data-testid="new-messages-button" onClick={jumpToBottom}>
          {unseen === 1 ? "1 new message" : `${unseen} new messages`} ↓
        </button>
      )}
      {!atBottom && unseen === 0 && (
        <button
          type="button"
          class="new-messages subtle"
          data-testid="jump-to-bottom"
          aria-label="Jump to newest"
          onClick={jumpToBottom}
        >
          ↓
        </button>
      )}
    </div>
  );
}

function RowView(props: { row: Row; client: ChatClient; now: number }) {
  const { row, client } = props;
  if (row.kind === "day") {
    const label = formatDay(row.day, props.now);
    return (
      <li class="day-sep" data-testid="day-separator" role="separator" aria-label={label}>
        <span>{label}</span>
      </li>
    );
  }
  if (row.kind === "message") {
    const m = row.message;
    const mine = m.user.id === client.me.id;
    return (
      <li
        class={`msg ${row.grouped ? "grouped" : ""} ${mine ? "mine" : ""}`}
        data-testid="message-item"
        data-seq={m.seq}
        data-status="sent"
        data-client-id={m.client_id}
        data-author={m.user.username}
      >
        <MessageHead author={m.user.username} time={m.created_at} grouped={row.grouped} />
        <div class="msg-body" data-testid="message-body">
          {m.body}
        </div>
      </li>
    );
  }
  const p = row.pending;
  const failed = p.state === "failed";
  return (
    <li
      class={`msg mine ${row.grouped ? "grouped" : ""} ${failed ? "failed" : "pending"}`}
      data-testid="message-item"
      data-status={failed ? "failed" : "pending"}
      data-client-id={p.clientId}
      data-author={client.me.username}
      aria-busy={failed ? undefined : true}
    >
      <MessageHead author={client.me.username} time={p.createdAt} grouped={row.grouped} />
      <div class="msg-body" data-testid="message-body">
        {p.body}
      </div>
      {failed ? (
        <div class="msg-status failed" role="alert">
          <span data-testid="message-error">Not sent{p.error ? `: ${p.error}` : "."}</span>
          <button type="button" class="link" data-testid="message-retry" onClick={() => client.messages.retry(p.clientId)}>
            Retry
          </button>
          <button type="button" class="link muted" data-testid="message-discard" onClick={() => client.messages.discard(p.clientId)}>
            Discard
          </button>
        </div>
      ) : (
        <div class="msg-status" data-testid="message-pending">
          {p.state === "queued" ? "Waiting for connection…" : "Sending…"}
        </div>
      )}
    </li>
  );
}

function MessageHead(props: { author: string; time: number; grouped: boolean }) {
  const iso = new Date(props.time).toISOString();
  if (props.grouped) {
    return (
      <time class="msg-side-time" dateTime={iso} title={formatFullTimestamp(props.time)} data-testid="message-time">
        {formatTime(props.time)}
      </time>
    );
  }
  return (
    <div class="msg-head">
      <span class="avatar" aria-hidden="true" data-hue={hueOf(props.author)}>
        {props.author.slice(0, 1).toUpperCase()}
      </span>
      <span class="author" data-testid="message-author">
        {props.author}
      </span>
      <time dateTime={iso} title={formatFullTimestamp(props.time)} data-testid="message-time">
        {formatTime(props.time)}
      </time>
    </div>
  );
}

/** A stable colour bucket per name (CSS maps data-hue 0–7 to colours; no inline styles under CSP). */
function hueOf(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h % 8;
}
