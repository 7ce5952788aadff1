import { formatBytes, type AdminConsole } from "../admin_data";
import type { MessageKey } from "../i18n/translate";
import type { AdminStats } from "../protocol";
import { useI18n } from "./i18n_context";
import { PresenceDot, statusText } from "./PresenceDot";

/** The Admin page's Online tab: who is present on any server process now, and their connections to this one. */
export function AdminOnline(props: { admin: AdminConsole }) {
  const t = useI18n();
  const { admin } = props;
  return (
    <div class="admin-section" data-testid="admin-online">
      {admin.onlineLoaded && admin.online.length === 0 && <p class="muted">{t.t("admin.onlineNone")}</p>}
      <ul class="admin-list" data-testid="admin-online-list">
        {admin.online.map((e) => (
          <li key={e.user.id} class="admin-item" data-testid="admin-online-user" data-username={e.user.username} data-status={e.status}>
            <div class="admin-item-text">
              <span class="browse-name">
                <PresenceDot status={e.status} /> {e.user.username}
              </span>
              <span class="muted">
                {statusText(t, e.status)} · {t.t("admin.connections", { count: e.connections })}
              </span>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What each figure of GET /api/admin/stats is called, in the order shown. */
const FIGURES: readonly [keyof AdminStats, MessageKey][] = [
  ["users", "admin.statUsers"],
  ["admins", "admin.statAdmins"],
  ["disabled_users", "admin.statDisabled"],
  ["online", "admin.statOnline"],
  ["connections", "admin.statConnections"],
  ["sessions", "admin.statSessions"],
  ["rooms", "admin.statRooms"],
  ["archived_rooms", "admin.statArchived"],
  ["messages", "admin.statMessages"],
];

/** The Admin page's Stats tab: the server's counts (the same as `parley stats`) and its live figures. */
export function AdminStatsView(props: { admin: AdminConsole }) {
  const t = useI18n();
  const s = props.admin.stats;
  if (!s) return <div class="admin-section" data-testid="admin-stats" />;
  return (
    <div class="admin-section" data-testid="admin-stats">
      <dl class="admin-stats">
        {FIGURES.map(([field, key]) => (
          <div key={field} class="admin-stat" data-testid={`admin-stat-${field}`}>
            <dt>{t.text({ key })}</dt>
            <dd>{t.number(Number(s[field]))}</dd>
          </div>
        ))}
        <div class="admin-stat" data-testid="admin-stat-database">
          <dt>{t.t("admin.statDatabase", { kind: s.database })}</dt>
          <dd>{formatBytes(s.database_bytes)}</dd>
        </div>
      </dl>
    </div>
  );
}
