import { useState } from "preact/hooks";
import { pageInfo, type AdminConsole } from "../admin_data";
import type { AdminUser } from "../protocol";
import { AdminConfirm } from "./AdminConfirm";
import { useI18n } from "./i18n_context";
import { statusText } from "./PresenceDot";

/**
 * The Admin page's Users tab: a search box, one page of matching accounts with their state, and per account
 * disable / enable, log out everywhere, make / remove admin. Disabling, logging out and removing admin rights
 * ask first. Your own row offers neither disabling nor removing your rights (the server refuses both).
 */
export function AdminUsers(props: { admin: AdminConsole; meId: number }) {
  const t = useI18n();
  const { admin } = props;
  const [query, setQuery] = useState(admin.query);
  const page = pageInfo(admin.offset, admin.users.length, admin.total);
  return (
    <div class="admin-section" data-testid="admin-users">
      <form
        class="row admin-search"
        role="search"
        onSubmit={(ev) => {
          ev.preventDefault();
          void admin.search(query.trim());
        }}
      >
        <label for="admin-user-search">{t.t("admin.search")}</label>
        <input
          id="admin-user-search"
          type="search"
          data-testid="admin-user-search"
          maxLength={64}
          autoComplete="off"
          value={query}
          onInput={(ev) => setQuery(ev.currentTarget.value)}
        />
        <button type="submit" class="btn" data-testid="admin-user-search-submit" disabled={admin.busy}>
          {t.t("admin.searchSubmit")}
        </button>
      </form>
      <p class="muted" data-testid="admin-user-count" aria-live="polite">
        {admin.usersLoaded && (admin.total === 0 ? t.t("admin.noUsers") : t.t("admin.page", { from: page.from, to: page.to, total: admin.total }))}
      </p>
      <ul class="admin-list" data-testid="admin-user-list">
        {admin.users.map((u) => (
          <UserRow key={u.id} admin={admin} user={u} self={u.id === props.meId} />
        ))}
      </ul>
      {(page.prev || page.next) && (
        <div class="row admin-pager">
          <button type="button" class="btn ghost small" data-testid="admin-users-prev" disabled={!page.prev || admin.busy} onClick={() => void admin.previousPage()}>
            {t.t("admin.prev")}
          </button>
          <button type="button" class="btn ghost small" data-testid="admin-users-next" disabled={!page.next || admin.busy} onClick={() => void admin.nextPage()}>
            {t.t("admin.next")}
          </button>
        </div>
      )}
    </div>
  );
}

function UserRow(props: { admin: AdminConsole; user: AdminUser; self: boolean }) {
  const t = useI18n();
  const { admin, user: u, self } = props;
  const name = u.username;
  return (
    <li class="admin-item" data-testid="admin-user" data-username={name} data-disabled={String(u.disabled)} data-admin={String(u.is_admin)}>
      <div class="admin-item-text">
        <span class="browse-name">
          {name} {self && <span class="muted">{t.t("admin.you")}</span>}
        </span>
        <span class="admin-tags">
          <span class="muted" data-testid="admin-user-status">
            {statusText(t, u.status)}
          </span>
          {u.is_admin && <span class="tag">{t.t("admin.tagAdmin")}</span>}
          {u.disabled && (
            <span class="tag danger-tag" data-testid="admin-user-disabled">
              {t.t("admin.tagDisabled")}
            </span>
          )}
        </span>
      </div>
      <div class="admin-item-actions">
        {u.disabled ? (
          <button
            type="button"
            class="btn ghost small"
            data-testid="admin-user-enable"
            aria-label={t.t("admin.enableLabel", { name })}
            disabled={admin.busy}
            onClick={() => void admin.setDisabled(u.id, false)}
          >
            {t.t("admin.enable")}
          </button>
        ) : (
          !self && (
            <AdminConfirm
              label={t.t("admin.disable")}
              ariaLabel={t.t("admin.disableLabel", { name })}
              question={t.t("admin.disableQuestion", { name })}
              testid="admin-user-disable"
              busy={admin.busy}
              onConfirm={() => admin.setDisabled(u.id, true)}
            />
          )
        )}
        <AdminConfirm
          label={t.t("admin.endSessions")}
          ariaLabel={t.t("admin.endSessionsLabel", { name })}
          question={t.t("admin.endSessionsQuestion", { name })}
          testid="admin-user-end-sessions"
          busy={admin.busy}
          onConfirm={() => admin.endSessions(u.id)}
        />
        {u.is_admin ? (
          !self && (
            <AdminConfirm
              label={t.t("admin.removeAdmin")}
              ariaLabel={t.t("admin.removeAdminLabel", { name })}
              question={t.t("admin.removeAdminQuestion", { name })}
              testid="admin-user-demote"
              busy={admin.busy}
              onConfirm={() => admin.setAdmin(u.id, false)}
            />
          )
        ) : (
          <button
            type="button"
            class="btn ghost small"
            data-testid="admin-user-promote"
            aria-label={t.t("admin.makeAdminLabel", { name })}
            disabled={admin.busy}
            onClick={() => void admin.setAdmin(u.id, true)}
          >
            {t.t("admin.makeAdmin")}
          </button>
        )}
      </div>
    </li>
  );
}
