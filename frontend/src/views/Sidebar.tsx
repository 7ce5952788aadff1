import type { ChatClient } from "../client";
import { shownStatus } from "../presence_data";
import { CloseIcon, PlusIcon, RoomIcon, SearchIcon } from "./icons";
import { useI18n } from "./i18n_context";
import { LanguagePicker } from "./LanguagePicker";
import { PresenceDot, statusText } from "./PresenceDot";

export function Sidebar(props: {
  client: ChatClient;
  /** another drawer covers the page */
  inert: boolean;
  closeRef: { current: HTMLButtonElement | null };
  onClose: () => void;
  /** a room was picked: the drawer closes and focus stays with the room (its composer) */
  onPicked: () => void;
  onCreate: () => void;
  onBrowse: () => void;
  onChangePassword: () => void;
  /** admins only: make invite links */
  onInvite: () => void;
}) {
  const t = useI18n();
  const { client } = props;
  const rooms = client.roomsData.joinedRooms();
  const status = shownStatus(client.presence.ownStatus, client.conn.state === "open");
  return (
    <nav id="sidebar" class="sidebar" data-testid="sidebar" aria-label={t.t("rooms.heading")} inert={props.inert ? true : undefined}>
      <div class="sidebar-top">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            P
          </span>{" "}
          {t.t("app.name")}
        </div>
        <button
          type="button"
          ref={props.closeRef}
          class="icon-btn sidebar-close"
          data-testid="sidebar-close"
          aria-label={t.t("rooms.close")}
          title={t.t("rooms.close")}
          onClick={props.onClose}
        >
          <CloseIcon />
        </button>
      </div>
      <h2 id="rooms-heading" class="sidebar-section-head">
        {t.t("rooms.heading")}
      </h2>
      <p id="rooms-shortcut" class="sr-only">
        {t.t("rooms.shortcutHint")}
      </p>
      <ul class="room-list" data-testid="room-list" aria-labelledby="rooms-heading" aria-describedby="rooms-shortcut">
        {rooms.map((r) => {
          const unread = client.roomsData.unread(r.id);
          const current = r.id === client.rooms.currentId;
          const label = [r.name, r.private ? t.t("rooms.private") : "", unread ? t.t("rooms.unread", { count: unread }) : ""]
            .filter(Boolean)
            .join(", ");
          return (
            <li key={r.id}>
              <button
                type="button"
                class={`room-item ${current ? "current" : ""} ${unread ? "has-unread" : ""}`}
                data-testid="room-item"
                data-room-id={r.id}
                data-room-name={r.name}
                aria-current={current ? "page" : undefined}
                aria-label={label}
                aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
                onClick={() => {
                  client.rooms.select(r.id);
                  props.onPicked();
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
      {rooms.length === 0 && <p class="muted pad">{t.t("rooms.none")}</p>}
      <div class="sidebar-actions">
        <button type="button" class="side-btn" data-testid="browse-rooms-button" onClick={props.onBrowse}>
          <SearchIcon />
          <span>{t.t("rooms.browse")}</span>
        </button>
        <button type="button" class="side-btn" data-testid="create-room-button" onClick={props.onCreate}>
          <PlusIcon />
          <span>{t.t("rooms.create")}</span>
        </button>
      </div>
      <div class="sidebar-foot">
        <div class="me-row">
          <PresenceDot status={status} />
          <div class="me-text">
            <span class="me" data-testid="current-user">
              {client.me.username}
            </span>
            <span class="me-status" data-testid="own-status" data-status={status}>
              {statusText(t, status)}
            </span>
          </div>
        </div>
        <LanguagePicker id="sidebar-language" class="sidebar-language" />
        <div class="foot-actions">
          {client.admin.isAdmin && (
            <button type="button" class="btn ghost small" data-testid="invite-button" onClick={props.onInvite}>
              {t.t("invites.button")}
            </button>
          )}
          <button type="button" class="btn ghost small" data-testid="change-password-button" onClick={props.onChangePassword}>
            {t.t("account.changePassword")}
          </button>
          <button
            type="button"
            class="btn ghost small"
            data-testid="logout-button"
            onClick={() => {
              client.session.logout().catch(() => undefined);
            }}
          >
            {t.t("account.logout")}
          </button>
        </div>
      </div>
    </nav>
  );
}
