import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ADMIN_TABS, AdminConsole, adjacentTab, type AdminTab } from "../admin_data";
import type { ChatClient } from "../client";
import type { MessageKey } from "../i18n/translate";
import { AdminOnline, AdminStatsView } from "./AdminOverview";
import { AdminRooms } from "./AdminRooms";
import { AdminUsers } from "./AdminUsers";
import { CloseIcon, MenuIcon } from "./icons";
import { useI18n } from "./i18n_context";

const TAB_LABELS: Record<AdminTab, MessageKey> = {
  users: "admin.tabUsers",
  rooms: "admin.tabRooms",
  online: "admin.tabOnline",
  stats: "admin.tabStats",
};

/**
 * The Admin page (administrators; the sidebar shows its entry to them only, and the server refuses everyone
 * else): tabs for Users, Rooms, Online and Stats, in place of the open room. Each tab reads its data afresh
 * when opened, and on "Refresh". Tabs follow the ARIA tabs pattern: one tab stop, arrow keys move between tabs.
 * What the page changes is passed on to the chat screen (client.admin), so its marks and rooms agree.
 */
export function AdminPage(props: {
  client: ChatClient;
  sidebarOpen: boolean;
  onToggleSidebar: () => void;
  sidebarToggleRef: { current: HTMLButtonElement | null };
  onClose: () => void;
}) {
  const t = useI18n();
  const { client } = props;
  const [, setVersion] = useState(0);
  const [tab, setTab] = useState<AdminTab>("users");
  const tabRefs = useRef<Partial<Record<AdminTab, HTMLButtonElement | null>>>({});
  const headingRef = useRef<HTMLHeadingElement>(null);
  const admin = useMemo(
    () =>
      new AdminConsole(client.api, {
        userChanged: (u) => client.admin.remember(u),
        roomChanged: (r) => client.admin.roomChanged(r),
      }),
    [client],
  );

  useEffect(() => {
    admin.onChange = () => setVersion((v) => v + 1);
    headingRef.current?.focus();
    return () => {
      admin.onChange = () => undefined;
    };
  }, [admin]);
  useEffect(() => {
    void admin.load(tab);
  }, [admin, tab]);

  const notice = admin.error ?? admin.info;
  const choose = (next: AdminTab) => {
    setTab(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <div class="admin-page" data-testid="admin-page">
      <header class="room-header">
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
        </button>
        <div class="room-title-wrap">
          <h1 class="room-title" data-testid="admin-title" tabIndex={-1} ref={headingRef}>
            {t.t("admin.title")}
          </h1>
        </div>
        <div class="room-actions">
          <button type="button" class="btn ghost" data-testid="admin-refresh" disabled={admin.busy} onClick={() => void admin.load(tab)}>
            {t.t("admin.refresh")}
          </button>
          <button type="button" class="btn ghost" data-testid="admin-close" onClick={props.onClose}>
            {t.t("admin.back")}
          </button>
        </div>
      </header>
      <div class="admin-tabs" role="tablist" aria-label={t.t("admin.tabs")}>
        {ADMIN_TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`admin-tab-${name}`}
            ref={(el) => {
              tabRefs.current[name] = el;
            }}
            class={`admin-tab ${tab === name ? "current" : ""}`}
            data-testid={`admin-tab-${name}`}
            aria-selected={tab === name}
            aria-controls="admin-panel"
            tabIndex={tab === name ? 0 : -1}
            onClick={() => setTab(name)}
            onKeyDown={(ev) => {
              if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
                ev.preventDefault();
                choose(adjacentTab(name, ev.key === "ArrowRight" ? 1 : -1));
              } else if (ev.key === "Home" || ev.key === "End") {
                ev.preventDefault();
                choose(ADMIN_TABS[ev.key === "Home" ? 0 : ADMIN_TABS.length - 1]);
              }
            }}
          >
            {t.text({ key: TAB_LABELS[name] })}
          </button>
        ))}
      </div>
      {notice && (
        <div
          class={`notice ${admin.error ? "error" : "info"}`}
          role={admin.error ? "alert" : "status"}
          data-testid={admin.error ? "admin-error" : "admin-info"}
        >
          <span>{t.text(notice)}</span>
          <button type="button" class="icon-btn" aria-label={t.t("form.dismiss")} onClick={() => admin.dismiss()}>
            <CloseIcon />
          </button>
        </div>
      )}
      <section class="admin-panel" id="admin-panel" role="tabpanel" aria-labelledby={`admin-tab-${tab}`} aria-busy={admin.busy}>
        {tab === "users" && <AdminUsers admin={admin} meId={client.me.id} />}
        {tab === "rooms" && <AdminRooms admin={admin} />}
        {tab === "online" && <AdminOnline admin={admin} />}
        {tab === "stats" && <AdminStatsView admin={admin} />}
      </section>
    </div>
  );
}
