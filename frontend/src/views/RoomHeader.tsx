import { useState } from "preact/hooks";
import { describeError } from "../api";
import type { ChatClient } from "../client";
import type { Msg } from "../i18n";
import { dmPartner, isDm, roomTitle } from "../dms_data";
import { shownStatus } from "../presence_data";
import { BellIcon, CloseIcon, MenuIcon, MutedIcon, PeopleIcon, RoomIcon } from "./icons";
import { PresenceDot, statusText } from "./PresenceDot";
import { useI18n } from "./i18n_context";
import { MenuButton, type MenuItem } from "./MenuButton";

/**
 * The open room's header: the rooms drawer toggle (narrow screens), the room's name and topic, the members
 * toggle, and a menu of the rarer room actions (leave, and archive for admins). The name gets the room; the
 * controls stay 44 px on phones and give up their text before the name is cut.
 */
export function RoomHeader(props: {
  client: ChatClient;
  sidebarOpen: boolean;
  membersOpen: boolean;
  onToggleSidebar: () => void;
  onToggleMembers: () => void;
  onLeave: () => void;
  sidebarToggleRef: { current: HTMLButtonElement | null };
  membersToggleRef: { current: HTMLButtonElement | null };
  menuButtonRef: { current: HTMLButtonElement | null };
}) {
  const t = useI18n();
  const { client } = props;
  const room = client.rooms.current();
  const total = client.unread.total();
  /** an admin action on the current room that failed, shown under the header */
  const [adminError, setAdminError] = useState<{ roomId: number; archived: boolean; reason: Msg } | null>(null);
  const [adminBusy, setAdminBusy] = useState(false);
  const [muteError, setMuteError] = useState<Msg | null>(null);
  const dm = room !== undefined && isDm(room);
  const title = room ? roomTitle(room, client.me) : "";
  const partner = room && dm ? dmPartner(room, client.me.id) : null;
  const partnerStatus = partner ? shownStatus(client.presenceData.status(partner.id), client.conn.state === "open") : null;

  const setMuted = async (id: number, muted: boolean) => {
    setMuteError(null);
    try {
      await client.rooms.setMuted(id, muted);
    } catch (err) {
      setMuteError(describeError(err));
    }
  };

  const setArchived = async (id: number, archived: boolean) => {
    if (adminBusy) return;
    setAdminBusy(true);
    setAdminError(null);
    try {
      await client.admin.setRoomArchived(id, archived);
    } catch (err) {
      setAdminError({ roomId: id, archived, reason: describeError(err) });
    } finally {
      setAdminBusy(false);
    }
  };

  const items: MenuItem[] = [];
  if (room && client.admin.isAdmin && !dm) {
    items.push(
      room.archived
        ? {
            label: t.t("room.unarchive"),
            testid: "admin-unarchive-room",
            title: t.t("room.unarchiveHint"),
            disabled: adminBusy,
            onSelect: () => void setArchived(room.id, false),
          }
        : {
            label: t.t("room.archive"),
            testid: "admin-archive-room",
            title: t.t("room.archiveHint"),
            disabled: adminBusy,
            onSelect: () => void setArchived(room.id, true),
          },
    );
  }
  if (room) items.push({ label: t.t(dm ? "dm.leave" : "room.leave"), testid: "leave-room-button", danger: true, onSelect: props.onLeave });

  return (
    <>
      <header class="room-header" data-testid="room-header">
        <button
          type="button"
          ref={props.sidebarToggleRef}
          class="icon-btn sidebar-toggle"
          data-testid="sidebar-toggle"
          aria-label={t.t("rooms.open")}
          title={t.t("rooms.open")}
          aria-controls="sidebar"
          aria-expanded={props.sidebarOpen}
          onClick={props.onToggleSidebar}
        >
          <MenuIcon />
          {total > 0 && <span class="dot-badge" aria-hidden="true" />}
        </button>
        <div class="room-title-wrap">
          <h1 class="room-title" data-testid="room-title">
            {room ? (
              <>
                <span class="hash" aria-hidden="true">
                  {partnerStatus ? <PresenceDot status={partnerStatus} /> : dm ? "@" : <RoomIcon private={room.private} />}
                </span>
                <span class="room-title-text">{title}</span>
                {partnerStatus && <span class="sr-only"> ({statusText(t, partnerStatus)})</span>}
                {room.private && !dm && <span class="sr-only"> ({t.t("rooms.private")})</span>}
                {room.archived && (
                  <span class="tag" data-testid="room-archived">
                    {t.t("room.archivedTag")}
                  </span>
                )}
              </>
            ) : (
              t.t("room.none")
            )}
          </h1>
          {room?.topic && (
            <p class="room-topic" data-testid="room-topic" title={room.topic}>
              {room.topic}
            </p>
          )}
        </div>
        {room && (
          <div class="room-actions">
            <button
              type="button"
              class="icon-btn mute-toggle"
              data-testid="mute-toggle"
              aria-pressed={room.muted}
              aria-label={t.t("room.mute")}
              title={room.muted ? t.t("room.unmute") : t.t("room.mute")}
              disabled={client.rooms.muting.has(room.id)}
              onClick={() => void setMuted(room.id, !room.muted)}
            >
              {room.muted ? <MutedIcon /> : <BellIcon />}
            </button>
            <button
              type="button"
              ref={props.membersToggleRef}
              class="btn ghost members-toggle"
              data-testid="members-toggle"
              aria-controls="members-panel"
              aria-expanded={props.membersOpen}
              title={t.t("room.members")}
              onClick={props.onToggleMembers}
            >
              <PeopleIcon />
              <span class="btn-text">{t.t("room.members")}</span>
            </button>
            <MenuButton label={t.t("room.menu")} testid="room-menu-button" items={items} buttonRef={props.menuButtonRef} />
          </div>
        )}
      </header>
      {muteError && (
        <div class="notice" role="alert" data-testid="mute-error">
          <span>{t.t("room.muteFailed", { reason: t.text(muteError) })}</span>
          <button type="button" class="icon-btn" aria-label={t.t("form.dismiss")} onClick={() => setMuteError(null)}>
            <CloseIcon />
          </button>
        </div>
      )}
      {adminError && room && adminError.roomId === room.id && (
        <div class="notice" role="alert" data-testid="admin-error">
          <span>
            {t.t(adminError.archived ? "room.archiveFailed" : "room.unarchiveFailed", { reason: t.text(adminError.reason) })}
          </span>
          <button type="button" class="icon-btn" aria-label={t.t("form.dismiss")} onClick={() => setAdminError(null)}>
            <CloseIcon />
          </button>
        </div>
      )}
    </>
  );
}
