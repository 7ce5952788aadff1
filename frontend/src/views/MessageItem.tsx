import type { ChatClient } from "../client";
import type { MessageRow, PendingRow } from "../messages_data";
import { useI18n } from "./i18n_context";

/** One message of the list: a stored message, or one of ours still pending or failed (with Retry/Discard). */
export function MessageItem(props: { row: MessageRow | PendingRow; client: ChatClient }) {
  const t = useI18n();
  const { row, client } = props;
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
          <span data-testid="message-error">
            {p.error ? t.t("messages.notSentReason", { reason: t.text(p.error) }) : t.t("messages.notSent")}
          </span>
          <button type="button" class="link" data-testid="message-retry" onClick={() => client.messages.retry(p.clientId)}>
            {t.t("messages.retry")}
          </button>
          <button type="button" class="link muted" data-testid="message-discard" onClick={() => client.messages.discard(p.clientId)}>
            {t.t("messages.discard")}
          </button>
        </div>
      ) : (
        <div class="msg-status" data-testid="message-pending">
          {p.state === "queued" ? t.t("messages.waiting") : t.t("messages.sending")}
        </div>
      )}
    </li>
  );
}

function MessageHead(props: { author: string; time: number; grouped: boolean }) {
  const t = useI18n();
  const iso = new Date(props.time).toISOString();
  if (props.grouped) {
    return (
      <time class="msg-side-time" dateTime={iso} title={t.fullTimestamp(props.time)} data-testid="message-time">
        {t.time(props.time)}
      </time>
    );
  }
  return (
    <div class="msg-head">
      <span class="avatar" aria-hidden="true" data-hue={hueOf(props.author)}>
        {firstGrapheme(props.author).toUpperCase()}
      </span>
      <span class="author" data-testid="message-author">
        {props.author}
      </span>
      <time dateTime={iso} title={t.fullTimestamp(props.time)} data-testid="message-time">
        {t.time(props.time)}
      </time>
    </div>
  );
}

/** The first character as a person sees it (not half of a surrogate pair). */
function firstGrapheme(name: string): string {
  for (const ch of name) return ch;
  return "?";
}

/** A stable colour bucket per name (CSS maps data-hue 0–7 to colours; no inline styles under CSP). */
function hueOf(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h % 8;
}
