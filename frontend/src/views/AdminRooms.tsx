import { useEffect, useRef, useState } from "preact/hooks";
import type { AdminConsole } from "../admin_data";
import type { AdminRoom } from "../protocol";
import { AdminConfirm } from "./AdminConfirm";
import { useI18n } from "./i18n_context";
import { statusText } from "./PresenceDot";

/**
 * The Admin page's Rooms tab: every room (private ones too; never a direct conversation), with archive /
 * unarchive, rename (an inline form) and its members (shown on demand, each with "remove", which asks first).
 */
export function AdminRooms(props: { admin: AdminConsole }) {
  const t = useI18n();
  const { admin } = props;
  return (
    <div class="admin-section" data-testid="admin-rooms">
      {admin.roomsLoaded && admin.rooms.length === 0 && <p class="muted">{t.t("admin.noRooms")}</p>}
      <ul class="admin-list" data-testid="admin-room-list">
        {admin.rooms.map((r) => (
          <RoomRow key={r.id} admin={admin} room={r} />
        ))}
      </ul>
    </div>
  );
}

function RoomRow(props: { admin: AdminConsole; room: AdminRoom }) {
  const t = useI18n();
  const { admin, room: r } = props;
  const [renaming, setRenaming] = useState(false);
  const renameRef = useRef<HTMLButtonElement>(null);
  const open = admin.openRoomId === r.id;
  const doneRenaming = () => {
    setRenaming(false);
    // Back to the button that opened the form, once it is rendered again.
    setTimeout(() => renameRef.current?.focus(), 0);
  };
  const membersId = `admin-members-${r.id}`;
  return (
    <li class="admin-item admin-room" data-testid="admin-room" data-room-name={r.name} data-archived={String(r.archived)}>
      <div class="admin-item-text">
        <span class="browse-name">{r.name}</span>
        <span class="admin-tags">
          <span class="muted">{t.t("admin.memberCount", { count: r.member_count })}</span>
          {r.private && <span class="tag">{t.t("rooms.private")}</span>}
          {r.archived && (
            <span class="tag" data-testid="admin-room-archived">
              {t.t("room.archivedTag")}
            </span>
          )}
        </span>
      </div>
      {renaming ? (
        <RenameForm admin={admin} room={r} onDone={doneRenaming} />
      ) : (
        <div class="admin-item-actions">
          {r.archived ? (
            <button
              type="button"
              class="btn ghost small"
              data-testid="admin-room-unarchive"
              aria-label={t.t("admin.unarchiveLabel", { room: r.name })}
              disabled={admin.busy}
              onClick={() => void admin.setArchived(r.id, false)}
            >
              {t.t("admin.unarchive")}
            </button>
          ) : (
            <AdminConfirm
              label={t.t("admin.archive")}
              ariaLabel={t.t("admin.archiveLabel", { room: r.name })}
              question={t.t("admin.archiveQuestion", { room: r.name })}
              testid="admin-room-archive"
              busy={admin.busy}
              onConfirm={() => admin.setArchived(r.id, true)}
            />
          )}
          <button
            type="button"
            class="btn ghost small"
            ref={renameRef}
            data-testid="admin-room-rename"
            aria-label={t.t("admin.renameLabel", { room: r.name })}
            disabled={admin.busy}
            onClick={() => setRenaming(true)}
          >
            {t.t("admin.rename")}
          </button>
          <button
            type="button"
            class="btn ghost small"
            data-testid="admin-room-members"
            aria-label={t.t("admin.membersLabel", { room: r.name })}
            aria-expanded={open}
            aria-controls={open ? membersId : undefined}
            disabled={admin.busy}
            onClick={() => void admin.toggleMembers(r.id)}
          >
            {t.t("admin.members")}
          </button>
        </div>
      )}
      {open && (
        <ul class="admin-members" id={membersId} data-testid="admin-member-list" aria-label={t.t("admin.membersLabel", { room: r.name })}>
          {admin.members.length === 0 && <li class="muted">{t.t("admin.noMembers")}</li>}
          {admin.members.map((m) => (
            <li key={m.id} class="admin-member" data-testid="admin-member" data-username={m.username}>
              <span>
                {m.username} <span class="muted">{statusText(t, m.status)}</span>
              </span>
              <AdminConfirm
                label={t.t("admin.remove")}
                ariaLabel={t.t("admin.removeLabel", { name: m.username, room: r.name })}
                question={t.t("admin.removeQuestion", { name: m.username, room: r.name })}
                testid="admin-member-remove"
                busy={admin.busy}
                onConfirm={() => admin.removeMember(r.id, m.id)}
              />
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function RenameForm(props: { admin: AdminConsole; room: AdminRoom; onDone: () => void }) {
  const t = useI18n();
  const { admin, room } = props;
  const [name, setName] = useState(room.name);
  const inputRef = useRef<HTMLInputElement>(null);
  const inputId = `admin-rename-${room.id}`;
  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);
  return (
    <form
      class="row admin-rename"
      data-testid="admin-rename-form"
      onSubmit={(ev) => {
        ev.preventDefault();
        void admin.rename(room.id, name).then((ok) => ok && props.onDone());
      }}
      onKeyDown={(ev) => {
        if (ev.key === "Escape") {
          ev.stopPropagation();
          props.onDone();
        }
      }}
    >
      <label for={inputId} class="sr-only">
        {t.t("admin.newName", { room: room.name })}
      </label>
      <input id={inputId} ref={inputRef} data-testid="admin-rename-input" maxLength={64} required value={name} onInput={(ev) => setName(ev.currentTarget.value)} />
      <button type="submit" class="btn small primary" data-testid="admin-rename-save" disabled={admin.busy}>
        {t.t("admin.save")}
      </button>
      <button type="button" class="btn ghost small" onClick={props.onDone}>
        {t.t("form.cancel")}
      </button>
    </form>
  );
}
