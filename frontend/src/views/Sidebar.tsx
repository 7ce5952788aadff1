import type { ChatClient } from "../client";
import { RoomIcon } from "./icons";

export function Sidebar(props: {
  client: ChatClient;
  open: boolean;
  onClose: () => void;
  onCreate: () => void;
  onBrowse: () => void;
  onChangePassword: () => void;
  /** admins only: make invite links */
  onInvite: () => void;
}) {
  const { client } = props;
  const rooms = client.roomsData.joinedRooms();
  const status = client.presence.ownStatus;
  return (
    <nav id="sidebar" class="sidebar" data-testid="sidebar" aria-label="Rooms">
      <div class="sidebar-top">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            P
          </span>{" "}
          Parley
        </div>
        <button type="button" class="icon-btn sidebar-close" aria-label="Close rooms" onClick={props.onClose}>
          ×
        </button>
      </div>
      <div class="sidebar-section-head">
        <h2 id="rooms-heading">Rooms</h2>
        <div class="row tight">
          <button
            type="button"
            class="icon-btn"
            data-testid="browse-rooms-button"
            aria-label="Browse rooms"
            title="Browse rooms"
            onClick={props.onBrowse}
          >
            <span aria-hidden="true">⌕</span>
          </button>
          <button
            type="button"
            class="icon-btn"
            data-testid="create-room-button"
            aria-label="Create room"
            title="Create room"
            onClick={props.onCreate}
          >
            <span aria-hidden="true">+</span>
          </button>
        </div>
      </div>
      <ul class="room-list" data-testid="room-list" aria-labelledby="rooms-heading">
        {rooms.map((r) => {
          const unread = client.roomsData.unread(r.id);
          const current = r.id === client.rooms.currentId;
          return (
            <li key={r.id}>
              <button
                type="button"
                class={`room-item ${current ? "current" : ""} ${unread ? "has-unread" : ""}`}
                data-testid="room-item"
                data-room-id={r.id}
                data-room-name={r.name}
                aria-current={current ? "page" : undefined}
                aria-label={`${r.name}${r.private ? " (private)" : ""}${unread ? `, ${unread} unread` : ""}`}
                onClick={() => {
                  client.rooms.select(r.id);
                  props.onClose();
                }}
              >
                <span class="hash" aria-hidden="true">
                  <RoomIcon private={r.private} />
                </span>
                <span class="room-name">{r.name}</span>
                {unread > 0 && (
                  <span class="badge" data-testid="room-unread" aria-hidden="true">
                    {unread > 99 ? "99+" : unread}
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
      {rooms.length === 0 && <p class="muted pad">No rooms yet.</p>}
      <div class="sidebar-foot">
        <span class={`presence-dot ${status}`} aria-hidden="true" />
        <span class="me" data-testid="current-user">
          {client.me.username}
        </span>
        <span class="sr-only" data-testid="own-status">
          {status}
        </span>
        <div class="foot-actions">
          {client.admin.isAdmin && (
            <button type="button" class="btn ghost small" data-testid="invite-button" onClick={props.onInvite}>
              Invite people
            </button>
          )}
          <button
            type="button"
            class="btn ghost small"
            data-testid="change-password-button"
            onClick={props.onChangePassword}
          >
            Change password
          </button>
          <button
            type="button"
            class="btn ghost small"
            data-testid="logout-button"
            onClick={() => {
              client.session.logout().catch(() => undefined);
            }}
          >
            Log out
          </button>
        </div>
      </div>
    </nav>
  );
}
