import type { ComponentChildren } from "preact";
import type { ChatClient } from "../client";
import { dmPartner, isDm, roomTitle, splitDms } from "../dms_data";
import { shownStatus } from "../presence_data";
import type { Room } from "../protocol";
import { CloseIcon, MutedIcon, PlusIcon, RoomIcon, SearchIcon, ShieldIcon } from "./icons";
import { useI18n } from "./i18n_context";
import { LanguagePicker } from "./LanguagePicker";
import { PresenceDot, statusText } from "./PresenceDot";

export function Sidebar(props: {
  client: ChatClient;
  /** another drawer covers the page */
  inert: boolean;
  closeRef: { current: HTMLButtonElement | null };
  onClose: () => void;
  /** the message search field, under the brand */
  search?: ComponentChildren;
  /** a room was picked: the drawer closes and focus stays with the room (its composer) */
  onPicked: () => void;
  onCreate: () => void;
  /** the "new message" picker */
  onNewDm: () => void;
  onBrowse: () => void;
  onChangePassword: () => void;
  /** admins only: make invite links */
  onInvite: () => void;
  /** admins only: the Admin page, and whether it is the one shown */
  onAdmin: () => void;
  adminOpen: boolean;
}) {
  const t = useI18n();
  const { client } = props;
  const split = splitDms(client.roomsData.joinedRooms(), client.me);
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
      {props.search}
      <h2 id="rooms-heading" class="sidebar-section-head">
        {t.t("rooms.heading")}
      </h2>
      <p id="rooms-shortcut" class="sr-only">
        {t.t("rooms.shortcutHint")}
      </p>
      <ul class="room-list" data-testid="room-list" aria-labelledby="rooms-heading" aria-describedby="rooms-shortcut">
        {split.rooms.map((r) => (
          <RoomItem key={r.id} client={client} room={r} onPicked={props.onPicked} />
        ))}
      </ul>
      {split.rooms.length === 0 && <p class="muted pad">{t.t("rooms.none")}</p>}
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
      <div class="sidebar-section-row">
        <h2 id="dms-heading" class="sidebar-section-head">
          {t.t("dm.heading")}
        </h2>
        <button
          type="button"
          class="icon-btn small"
          data-testid="new-dm-button"
          aria-label={t.t("dm.new")}
          title={t.t("dm.new")}
          onClick={props.onNewDm}
        >
          <PlusIcon />
        </button>
      </div>
      <ul class="room-list dm-list" data-testid="dm-list" aria-labelledby="dms-heading" aria-describedby="rooms-shortcut">
        {split.dms.map((r) => (
          <RoomItem key={r.id} client={client} room={r} onPicked={props.onPicked} />
        ))}
      </ul>
      {split.dms.length === 0 && <p class="sidebar-note">{t.t("dm.none")}</p>}
      {client.admin.isAdmin && (
        <div class="sidebar-actions">
          <button
            type="button"
            class={`side-btn ${props.adminOpen ? "current" : ""}`}
            data-testid="admin-button"
            aria-current={props.adminOpen ? "page" : undefined}
            onClick={props.onAdmin}
          >
            <ShieldIcon />
            <span>{t.t("admin.button")}</span>
          </button>
        </div>
      )}
      <NotificationsControl client={client} />
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

/**
 * One room or DM of the sidebar: bold with a count while it has unread messages (not when muted), an "@" badge
 * with the number of mentions, a muted mark; a DM shows its other person's presence and is titled with the other
 * members' names.
 */
function RoomItem(props: { client: ChatClient; room: Room; onPicked: () => void }) {
  const t = useI18n();
  const { client, room: r } = props;
  const unread = r.muted ? 0 : client.roomsData.unread(r.id);
  const mentions = client.roomsData.mentions(r.id);
  const current = r.id === client.rooms.currentId;
  const dm = isDm(r);
  const title = roomTitle(r, client.me);
  const partner = dm ? dmPartner(r, client.me.id) : null;
  const status = partner ? shownStatus(client.presenceData.status(partner.id), client.conn.state === "open") : null;
  const label = [
    dm ? t.t("dm.label", { names: title }) : title,
    !dm && r.private ? t.t("rooms.private") : "",
    status ? statusText(t, status) : "",
    unread ? t.t("rooms.unread", { count: unread }) : "",
    mentions ? t.t("mentions.badge", { count: mentions }) : "",
    r.muted ? t.t("rooms.muted") : "",
  ]
    .filter(Boolean)
    .join(", ");
  return (
    <li>
      <button
        type="button"
        class={`room-item ${current ? "current" : ""} ${unread || mentions ? "has-unread" : ""} ${r.muted ? "muted-room" : ""}`}
        data-testid="room-item"
        data-room-id={r.id}
        data-room-name={title}
        data-kind={dm ? "dm" : "room"}
        data-unread={unread}
        data-mentions={mentions}
        aria-current={current ? "page" : undefined}
        aria-label={label}
        aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
        onClick={() => {
          client.rooms.select(r.id);
          props.onPicked();
        }}
      >
        <span class="hash" aria-hidden="true">
          {dm ? status ? <PresenceDot status={status} /> : <span class="dm-group">{dmOthersCount(r, client.me.id)}</span> : <RoomIcon private={r.private} />}
        </span>
        <span class="room-name">{title}</span>
        {r.muted && (
          <span class="muted-mark" data-testid="room-muted" aria-hidden="true">
            <MutedIcon />
          </span>
        )}
        {mentions > 0 && (
          <span class="badge mention-badge" data-testid="room-mentions" aria-hidden="true">
            @{mentions > 99 ? "99+" : mentions}
          </span>
        )}
        {unread > 0 && (
          <span class="badge" data-testid="room-unread" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
    </li>
  );
}

function dmOthersCount(r: Room, meId: number): number {
  return (r.members ?? []).filter((u) => u.id !== meId).length;
}

/** The visible control that asks for notification permission (only from this click), or says how it stands. */
function NotificationsControl(props: { client: ChatClient }) {
  const t = useI18n();
  const { client } = props;
  const p = client.notify.permission;
  if (p === "unsupported") return null;
  return (
    <div class="notify-control" data-testid="notify-control" data-permission={p}>
      {p === "default" ? (
        <button
          type="button"
          class="btn ghost small"
          data-testid="notify-enable"
          aria-describedby="notify-hint"
          onClick={() => void client.notify.enable()}
        >
          {t.t("notify.enable")}
        </button>
      ) : (
        <span class="sidebar-note-inline" data-testid="notify-state">
          {p === "granted" ? t.t("notify.enabled") : t.t("notify.denied")}
        </span>
      )}
      <p id="notify-hint" class="sidebar-note">
        {t.t("notify.hint")}
      </p>
    </div>
  );
}
