import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Api } from "../api";
import { ChatClient, type SessionEndReason } from "../client";
import type { Me } from "../protocol";
import { isDm, roomTitle, sidebarOrder } from "../dms_data";
import { adjacentRoomId } from "../rooms_data";
import { AdminPage } from "./AdminPage";
import { BrowseRoomsDialog } from "./BrowseRoomsDialog";
import { ChangePasswordDialog } from "./ChangePasswordDialog";
import { Composer } from "./Composer";
import { ConnectionBanner } from "./ConnectionBanner";
import { CreateRoomDialog } from "./CreateRoomDialog";
import { InviteDialog } from "./InviteDialog";
import { CloseIcon } from "./icons";
import { useI18n } from "./i18n_context";
import { LeaveRoomDialog } from "./LeaveRoomDialog";
import { MembersPanel } from "./MembersPanel";
import { MessageList } from "./MessageList";
import { NewMessageDialog } from "./NewMessageDialog";
import { RoomHeader } from "./RoomHeader";
import { SearchBox } from "./SearchBox";
import { SearchResults } from "./SearchResults";
import { Sidebar } from "./Sidebar";
import { TypingIndicator } from "./TypingIndicator";
import { useClient, useMedia } from "./useClient";

/** The members list is a column beside the messages from this width; below it, a drawer over them. */
const WIDE_QUERY = "(min-width: 1100px)";
/** The rooms list is a drawer (opened from the header) below this width. */
const NARROW_QUERY = "(max-width: 700px)";

type Dialog = "create" | "browse" | "password" | "leave" | "invite" | "dm";

/**
 * The chat page: sidebar (rooms), the open room (header, messages, composer) and its members. On a phone the
 * sidebar and the members list are drawers with visible open and close controls; while one is open the rest of
 * the page is inert, Escape closes it, and focus goes back to the control that opened it.
 *
 * Keyboard: Alt+↑ / Alt+↓ open the previous / next room from anywhere (the composer included); Ctrl+K (⌘K), or "/"
 * outside a text field, focuses the message search (opening the drawer on a phone); Escape closes the open dialog,
 * menu, drawer or search results. Search results cover the room (kept mounted, hidden) until one is opened or they
 * are closed.
 */
export function ChatScreen(props: { api: Api; me: Me; onSessionEnded: (reason: SessionEndReason) => void }) {
  const t = useI18n();
  const client = useMemo(() => new ChatClient(props.me, { api: props.api }), [props.me, props.api]);
  useClient(client);
  const wide = useMedia(WIDE_QUERY);
  const narrow = useMedia(NARROW_QUERY);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [membersOpen, setMembersOpen] = useState(() => window.matchMedia?.(WIDE_QUERY).matches ?? true);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  /** the Admin page in place of the open room (administrators only) */
  const [adminOpen, setAdminOpen] = useState(false);
  const sidebarToggleRef = useRef<HTMLButtonElement>(null);
  const sidebarCloseRef = useRef<HTMLButtonElement>(null);
  const membersToggleRef = useRef<HTMLButtonElement>(null);
  const membersCloseRef = useRef<HTMLButtonElement>(null);
  const menuButtonRef = useRef<HTMLButtonElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const [searching, setSearching] = useState(false);

  useEffect(() => {
    client.onSessionEnded = props.onSessionEnded;
    client.start();
    const onVisibility = () => client.visibilityChanged();
    const onActivity = () => client.presence.userActivity();
    const onOnline = () => client.reconnectNow();
    const onOffline = () => client.changed();
    document.addEventListener("visibilitychange", onVisibility);
    for (const ev of ["keydown", "pointerdown", "wheel", "touchstart"]) {
      window.addEventListener(ev, onActivity, { passive: true });
    }
    window.addEventListener("online", onOnline);
    window.addEventListener("offline", onOffline);
    return () => {
      client.onSessionEnded = null;
      client.stop();
      document.removeEventListener("visibilitychange", onVisibility);
      for (const ev of ["keydown", "pointerdown", "wheel", "touchstart"]) window.removeEventListener(ev, onActivity);
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
    };
  }, [client]);

  // Unread total in the tab title.
  const total = client.unread.total();
  const room = client.rooms.current();
  const roomId = client.rooms.currentId;
  const title = room ? roomTitle(room, client.me) : null;
  useEffect(() => {
    const name =
      room && title !== null ? (isDm(room) ? t.t("title.dm", { name: title }) : t.t("title.room", { room: title })) : t.t("app.name");
    document.title = total > 0 ? t.t("title.unread", { count: total, title: name }) : name;
  }, [total, title, t]);

  // Opening a room (from the list, a dialog or after leaving one) closes the off-canvas sidebar.
  useEffect(() => setSidebarOpen(false), [roomId]);

  const showAdmin = adminOpen && client.admin.isAdmin;
  const sidebarOverlay = narrow && sidebarOpen;
  const membersOverlay = !wide && membersOpen && room !== undefined && !showAdmin;

  // Focus goes back once the page has re-rendered without the drawer (until then the rest is inert).
  const focusSoon = (ref: { current: HTMLElement | null }) => setTimeout(() => ref.current?.focus(), 0);
  const closeSidebar = (refocus: boolean) => {
    setSidebarOpen(false);
    if (refocus) focusSoon(sidebarToggleRef);
  };
  const closeMembers = (refocus: boolean) => {
    setMembersOpen(false);
    if (refocus) focusSoon(membersToggleRef);
  };

  // A drawer that opens takes focus (its close button), so keyboard and screen reader users land inside it.
  // Opened by Ctrl+K or "/": the search box takes focus instead.
  const searchFocusPending = useRef(false);
  useEffect(() => {
    if (!sidebarOverlay) return;
    if (searchFocusPending.current) searchRef.current?.focus();
    else sidebarCloseRef.current?.focus();
    searchFocusPending.current = false;
  }, [sidebarOverlay]);
  useEffect(() => {
    if (membersOverlay) membersCloseRef.current?.focus();
  }, [membersOverlay]);

  const focusSearch = () => {
    if (narrow && !sidebarOpen) {
      // The drawer's opening effect focuses it once the drawer is there.
      searchFocusPending.current = true;
      setSidebarOpen(true);
      return;
    }
    searchRef.current?.focus();
    searchRef.current?.select();
  };
  const closeSearch = () => {
    setSearching(false);
    focusSoon(narrow ? sidebarToggleRef : searchRef);
  };

  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (dialog || ev.defaultPrevented) return;
      const k = ev.key.toLowerCase();
      if ((k === "k" && (ev.ctrlKey || ev.metaKey) && !ev.altKey) || (ev.key === "/" && !ev.ctrlKey && !ev.metaKey && !editable(ev.target))) {
        ev.preventDefault();
        focusSearch();
        return;
      }
      if (ev.key === "Escape") {
        if (sidebarOverlay) closeSidebar(true);
        else if (membersOverlay) closeMembers(true);
        return;
      }
      if (ev.altKey && !ev.ctrlKey && !ev.metaKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
        const next = adjacentRoomId(sidebarOrder(client.roomsData.joinedRooms(), client.me), client.rooms.currentId, ev.key === "ArrowUp" ? -1 : 1);
        ev.preventDefault();
        if (next !== null) client.rooms.select(next);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [sidebarOverlay, membersOverlay, dialog, client, narrow, sidebarOpen]);

  const closeDialog = () => setDialog(null);
  return (
    <div class={`chat ${sidebarOpen ? "sidebar-open" : ""} ${membersOpen ? "members-open" : ""}`} data-testid="chat-screen">
      <ConnectionBanner client={client} />
      <Sidebar
        client={client}
        inert={membersOverlay}
        closeRef={sidebarCloseRef}
        onClose={() => closeSidebar(sidebarOverlay)}
        search={
          <SearchBox
            client={client}
            inputRef={searchRef}
            onSearch={() => {
              setSearching(true);
              setAdminOpen(false);
              if (narrow) closeSidebar(false);
            }}
          />
        }
        onPicked={() => {
          setAdminOpen(false);
          setSearching(false);
          closeSidebar(false);
        }}
        adminOpen={showAdmin}
        onAdmin={() => {
          setAdminOpen(true);
          setSearching(false);
          closeSidebar(false);
        }}
        onCreate={() => setDialog("create")}
        onNewDm={() => setDialog("dm")}
        onBrowse={() => setDialog("browse")}
        onChangePassword={() => setDialog("password")}
        onInvite={() => setDialog("invite")}
      />
      {sidebarOpen && <div class="scrim" onClick={() => closeSidebar(true)} aria-hidden="true" />}
      <main
        class="room"
        aria-label={
          showAdmin
            ? t.t("admin.title")
            : room && title !== null
              ? isDm(room)
                ? t.t("dm.label", { names: title })
                : t.t("room.label", { room: title })
              : t.t("room.none")
        }
        inert={sidebarOverlay || membersOverlay ? true : undefined}
      >
        {showAdmin ? (
          <AdminPage
            client={client}
            sidebarOpen={sidebarOpen}
            onToggleSidebar={() => setSidebarOpen(!sidebarOpen)}
            sidebarToggleRef={sidebarToggleRef}
            onClose={() => setAdminOpen(false)}
          />
        ) : (
          <>
        <RoomHeader
          client={client}
          sidebarOpen={sidebarOpen}
          membersOpen={membersOpen}
          onToggleSidebar={() => setSidebarOpen(!sidebarOpen)}
          onToggleMembers={() => (membersOpen ? closeMembers(false) : setMembersOpen(true))}
          onLeave={() => setDialog("leave")}
          sidebarToggleRef={sidebarToggleRef}
          membersToggleRef={membersToggleRef}
          menuButtonRef={menuButtonRef}
        />
        {client.notice && (
          <div
            class={`notice ${client.noticeKind}`}
            role={client.noticeKind === "info" ? "status" : "alert"}
            data-testid="notice"
            data-kind={client.noticeKind}
          >
            <span>{t.text(client.notice)}</span>
            <button type="button" class="icon-btn" aria-label={t.t("form.dismiss")} onClick={() => client.setNotice(null)}>
              <CloseIcon />
            </button>
          </div>
        )}
        {searching && <SearchResults client={client} onClose={closeSearch} onOpened={() => setSearching(false)} />}
        {roomId !== null && room ? (
          // Kept mounted under the search results: the draft, the scroll position and the focus stay as they were.
          <div class="room-body" hidden={searching}>
            <MessageList client={client} roomId={roomId} key={roomId} />
            <TypingIndicator client={client} roomId={roomId} />
            <Composer client={client} room={room} />
          </div>
        ) : (
          !searching && (
            <div class="empty-room" data-testid="no-room">
              <p>{t.t("room.notInAny")}</p>
              <div class="row">
                <button type="button" class="btn primary" onClick={() => setDialog("browse")}>
                  {t.t("rooms.browse")}
                </button>
                <button type="button" class="btn" onClick={() => setDialog("create")}>
                  {t.t("create.title")}
                </button>
              </div>
            </div>
          )
        )}
          </>
        )}
      </main>
      {room && membersOpen && !showAdmin && <div class="scrim members-scrim" onClick={() => closeMembers(true)} aria-hidden="true" />}
      {room && membersOpen && !showAdmin && (
        <MembersPanel client={client} room={room} onClose={() => closeMembers(true)} closeRef={membersCloseRef} />
      )}
      {dialog === "create" && <CreateRoomDialog client={client} onClose={closeDialog} />}
      {dialog === "browse" && <BrowseRoomsDialog client={client} onClose={closeDialog} />}
      {dialog === "dm" && <NewMessageDialog client={client} onClose={closeDialog} />}
      {dialog === "password" && <ChangePasswordDialog client={client} onClose={closeDialog} />}
      {dialog === "invite" && <InviteDialog api={props.api} onClose={closeDialog} />}
      {dialog === "leave" && room && (
        <LeaveRoomDialog client={client} room={room} onClose={closeDialog} returnFocus={() => menuButtonRef.current} />
      )}
    </div>
  );
}

/** A place where "/" is typed text, not a shortcut. */
function editable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT";
}
