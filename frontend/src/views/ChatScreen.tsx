import { useEffect, useMemo, useState } from "preact/hooks";
import { describeError, type Api } from "../api";
import { ChatClient, type SessionEndReason } from "../client";
import type { Me } from "../protocol";
import { Composer } from "./Composer";
import { RoomIcon } from "./icons";
import { ConnectionBanner } from "./ConnectionBanner";
import { BrowseRoomsDialog, ChangePasswordDialog, CreateRoomDialog } from "./Dialogs";
import { InviteDialog } from "./InviteDialog";
import { MembersPanel } from "./MembersPanel";
import { MessageList } from "./MessageList";
import { Sidebar } from "./Sidebar";
import { TypingIndicator } from "./TypingIndicator";
import { useClient } from "./useClient";

const WIDE_QUERY = "(min-width: 1100px)";

function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function ChatScreen(props: { api: Api; me: Me; onSessionEnded: (reason: SessionEndReason) => void }) {
  const client = useMemo(() => new ChatClient(props.me, { api: props.api, storage: browserStorage() }), [props.me, props.api]);
  useClient(client);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [membersOpen, setMembersOpen] = useState(() => window.matchMedia?.(WIDE_QUERY).matches ?? true);
  const [dialog, setDialog] = useState<"create" | "browse" | "password" | "invite" | null>(null);
  /** an admin action on the current room that failed, shown under the header */
  const [adminError, setAdminError] = useState<string | null>(null);
  const [adminBusy, setAdminBusy] = useState(false);

  useEffect(() => {
    client.onSessionEnded = props.onSessionEnded;
    client.start();
    const onVisibility = () => client.visibilityChanged();
    const onActivity = () => client.presence.userActivity();
    const onOnline = () => client.reconnectNow();
    document.addEventListener("visibilitychange", onVisibility);
    for (const ev of ["keydown", "pointerdown", "wheel", "touchstart"]) {
      window.addEventListener(ev, onActivity, { passive: true });
    }
    window.addEventListener("online", onOnline);
    return () => {
      client.onSessionEnded = null;
      client.stop();
      document.removeEventListener("visibilitychange", onVisibility);
      for (const ev of ["keydown", "pointerdown", "wheel", "touchstart"]) window.removeEventListener(ev, onActivity);
      window.removeEventListener("online", onOnline);
    };
  }, [client]);

  // Unread total in the tab title.
  const total = client.unread.total();
  const room = client.rooms.current();
  useEffect(() => {
    const name = room ? `#${room.name} · Parley` : "Parley";
    document.title = total > 0 ? `(${total}) ${name}` : name;
  }, [total, room?.name]);

  const roomId = client.rooms.currentId;

  // Opening a room (from the list, a dialog or after leaving one) closes the off-canvas sidebar.
  useEffect(() => setSidebarOpen(false), [roomId]);
  useEffect(() => setAdminError(null), [roomId]);

  const setArchived = async (id: number, archived: boolean) => {
    if (adminBusy) return;
    setAdminBusy(true);
    setAdminError(null);
    try {
      await client.admin.setRoomArchived(id, archived);
    } catch (err) {
      setAdminError(`Could not ${archived ? "archive" : "unarchive"} the room: ${describeError(err)}`);
    } finally {
      setAdminBusy(false);
    }
  };

  // Escape closes whichever overlay is open (dialogs handle their own Escape).
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key !== "Escape" || dialog) return;
      if (sidebarOpen) setSidebarOpen(false);
      else if (membersOpen && !window.matchMedia?.(WIDE_QUERY).matches) setMembersOpen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [sidebarOpen, membersOpen, dialog]);

  return (
    <div class={`chat ${sidebarOpen ? "sidebar-open" : ""} ${membersOpen ? "members-open" : ""}`} data-testid="chat-screen">
      <ConnectionBanner client={client} />
      <Sidebar
        client={client}
        open={sidebarOpen}
        onClose={() => setSidebarOpen(false)}
        onCreate={() => setDialog("create")}
        onBrowse={() => setDialog("browse")}
        onChangePassword={() => setDialog("password")}
        onInvite={() => setDialog("invite")}
      />
      {sidebarOpen && <div class="scrim" onClick={() => setSidebarOpen(false)} aria-hidden="true" />}
      <main class="room" aria-label={room ? `Room ${room.name}` : "No room"}>
        <header class="room-header" data-testid="room-header">
          <button
            type="button"
            class="icon-btn sidebar-toggle"
            data-testid="sidebar-toggle"
            aria-label="Rooms"
            aria-controls="sidebar"
            aria-expanded={sidebarOpen}
            onClick={() => setSidebarOpen(!sidebarOpen)}
          >
            <span aria-hidden="true">☰</span>
            {total > 0 && <span class="dot-badge" aria-hidden="true" />}
          </button>
          {room ? (
            <div class="room-title-wrap">
              <h1 class="room-title" data-testid="room-title">
                <span class="hash" aria-hidden="true">
                  <RoomIcon private={room.private} />
                </span>
                {room.name}
                {room.archived && (
                  <span class="tag" data-testid="room-archived">
                    archived
                  </span>
                )}
              </h1>
              {room.topic && (
                <p class="room-topic" data-testid="room-topic" title={room.topic}>
                  {room.topic}
                </p>
              )}
            </div>
          ) : (
            <div class="room-title-wrap">
              <h1 class="room-title">No room</h1>
            </div>
          )}
          {room && (
            <div class="room-actions">
              <button
                type="button"
                class="btn ghost"
                data-testid="members-toggle"
                aria-controls="members-panel"
                aria-expanded={membersOpen}
                onClick={() => setMembersOpen(!membersOpen)}
              >
                Members
              </button>
              {client.admin.isAdmin &&
                (room.archived ? (
                  <button
                    type="button"
                    class="btn ghost"
                    data-testid="admin-unarchive-room"
                    aria-label={`Unarchive room ${room.name} (admin)`}
                    title="Admin: make the room writable again"
                    disabled={adminBusy}
                    onClick={() => void setArchived(room.id, false)}
                  >
                    Unarchive
                  </button>
                ) : (
                  <button
                    type="button"
                    class="btn ghost"
                    data-testid="admin-archive-room"
                    aria-label={`Archive room ${room.name} (admin)`}
                    title="Admin: make the room read-only for everyone"
                    disabled={adminBusy}
                    onClick={() => void setArchived(room.id, true)}
                  >
                    Archive room
                  </button>
                ))}
              <button
                type="button"
                class="btn ghost"
                data-testid="leave-room-button"
                aria-label={`Leave room ${room.name}`}
                onClick={() => {
                  client.rooms.leave(room.id).catch(() => client.setNotice("Could not leave the room. Try again."));
                }}
              >
                Leave
              </button>
            </div>
          )}
        </header>
        {adminError && (
          <div class="notice" role="alert" data-testid="admin-error">
            <span>{adminError}</span>
            <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => setAdminError(null)}>
              ×
            </button>
          </div>
        )}
        {client.notice && (
          <div
            class={`notice ${client.noticeKind}`}
            role={client.noticeKind === "info" ? "status" : "alert"}
            data-testid="notice"
            data-kind={client.noticeKind}
          >
            <span>{client.notice}</span>
            <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => client.setNotice(null)}>
              ×
            </button>
          </div>
        )}
        {roomId !== null && room ? (
          <>
            <MessageList client={client} roomId={roomId} key={roomId} />
            <TypingIndicator client={client} roomId={roomId} />
            <Composer client={client} room={room} />
          </>
        ) : (
          <div class="empty-room" data-testid="no-room">
            <p>You are not in any room yet.</p>
            <div class="row">
              <button type="button" class="btn primary" onClick={() => setDialog("browse")}>
                Browse rooms
              </button>
              <button type="button" class="btn" onClick={() => setDialog("create")}>
                Create a room
              </button>
            </div>
          </div>
        )}
      </main>
      {room && membersOpen && (
        <div class="scrim members-scrim" onClick={() => setMembersOpen(false)} aria-hidden="true" />
      )}
      {room && membersOpen && (
        <MembersPanel client={client} room={room} onClose={() => setMembersOpen(false)} />
      )}
      {dialog === "create" && <CreateRoomDialog client={client} onClose={() => setDialog(null)} />}
      {dialog === "browse" && <BrowseRoomsDialog client={client} onClose={() => setDialog(null)} />}
      {dialog === "password" && <ChangePasswordDialog client={client} onClose={() => setDialog(null)} />}
      {dialog === "invite" && <InviteDialog api={props.api} onClose={() => setDialog(null)} />}
    </div>
  );
}
