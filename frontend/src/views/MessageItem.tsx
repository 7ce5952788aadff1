import { useRef, useState } from "preact/hooks";
import type { ChatClient } from "../client";
import type { MessageRow, PendingRow } from "../messages_data";
import type { Room } from "../protocol";
import { DeleteMessageDialog } from "./DeleteMessageDialog";
import { useI18n } from "./i18n_context";
import { MenuButton, type MenuItem } from "./MenuButton";
import { MessageBody } from "./MessageBody";
import { MessageEditor } from "./MessageEditor";
import { FileCard, MessageFiles } from "./MessageFiles";
import { ReactionChips } from "./ReactionChips";
import { ReactionPicker } from "./ReactionPicker";

/**
 * One message of the list: a stored message (with its reactions, and tools to react, edit or delete it), or one of
 * ours still pending or failed (with Retry/Discard). `newLine` puts the "New messages" line above it.
 */
export function MessageItem(props: {
  row: MessageRow | PendingRow;
  client: ChatClient;
  room?: Room;
  names?: ReadonlySet<string>;
  newLine?: boolean;
  focused?: boolean;
}) {
  const t = useI18n();
  const { row, client } = props;
  if (row.kind === "message") {
    return <StoredMessage {...props} row={row} names={props.names ?? new Set()} />;
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
      {p.files.length > 0 && (
        <ul class="msg-files" aria-label={t.t("files.inMessage")}>
          {p.files.map((f) => (
            <li key={f.id}>
              <FileCard file={f} />
            </li>
          ))}
        </ul>
      )}
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

function StoredMessage(props: {
  row: MessageRow;
  client: ChatClient;
  room?: Room;
  names: ReadonlySet<string>;
  newLine?: boolean;
  focused?: boolean;
}) {
  const t = useI18n();
  const { row, client, room } = props;
  const m = row.message;
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const menuRef = useRef<HTMLButtonElement>(null);
  const mine = m.user.id === client.me.id;
  const writable = room !== undefined && !room.archived && client.roomsData.isJoined(room.id);
  const canReact = writable && !m.deleted;
  const canEdit = writable && mine && !m.deleted;
  const canDelete = room !== undefined && !room.archived && !m.deleted && (mine || client.admin.isAdmin);
  const items: MenuItem[] = [];
  if (canEdit) items.push({ label: t.t("edit.edit"), testid: "message-edit", onSelect: () => setEditing(true) });
  if (canDelete) items.push({ label: t.t("edit.delete"), testid: "message-delete", danger: true, onSelect: () => setDeleting(true) });
  return (
    <li
      class={`msg ${row.grouped && !props.newLine ? "grouped" : ""} ${mine ? "mine" : ""} ${props.focused ? "focused" : ""}`}
      data-testid="message-item"
      data-seq={m.seq}
      data-message-id={m.id}
      data-status="sent"
      data-client-id={m.client_id}
      data-author={m.user.username}
      data-deleted={m.deleted ? "true" : undefined}
      data-edited={m.edited_at ? "true" : undefined}
    >
      {props.newLine && (
        <div class="new-line" data-testid="new-messages-line">
          <span>{t.t("messages.newLine")}</span>
        </div>
      )}
      <MessageHead author={m.user.username} time={m.created_at} grouped={row.grouped && !props.newLine} />
      {editing ? (
        <MessageEditor client={client} message={m} onDone={() => {
          setEditing(false);
          setTimeout(() => menuRef.current?.focus(), 0);
        }} />
      ) : (
        <MessageBody client={client} message={m} names={props.names} />
      )}
      {!m.deleted && m.files && <MessageFiles files={m.files} />}
      <ReactionChips client={client} message={m} canReact={canReact} />
      {!editing && (canReact || items.length > 0) && (
        <div class="msg-tools" data-testid="message-tools">
          {canReact && <ReactionPicker client={client} message={m} />}
          {items.length > 0 && (
            <MenuButton
              label={t.t("messages.actions", { author: m.user.username })}
              testid="message-menu"
              items={items}
              buttonRef={menuRef}
            />
          )}
        </div>
      )}
      {deleting && (
        <DeleteMessageDialog client={client} message={m} onClose={() => setDeleting(false)} returnFocus={() => menuRef.current} />
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
