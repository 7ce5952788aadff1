import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api";
import type { ChatClient } from "../client";
import type { Msg } from "../i18n";
import { shownStatus, sortMembers } from "../presence_data";
import type { Room } from "../protocol";
import { CloseIcon } from "./icons";
import { useI18n } from "./i18n_context";
import { PresenceDot, statusText } from "./PresenceDot";
import { useNow } from "./useClient";

/**
 * The open room's members with their presence. While the socket is down every status is shown as unknown
 * (greyed, dashed mark, "status unknown"): what we last heard may no longer be true.
 */
export function MembersPanel(props: {
  client: ChatClient;
  room: Room;
  onClose: () => void;
  closeRef: { current: HTMLButtonElement | null };
}) {
  const t = useI18n();
  const { client, room } = props;
  const now = useNow(30_000);
  const connected = client.conn.state === "open";
  const users = client.members.of(room.id);
  const list = users
    ? sortMembers(
        users.map((u) => {
          const info = client.presenceData.get(u.id);
          const status = u.id === client.me.id ? client.presence.ownStatus : (info?.status ?? "offline");
          return { ...u, status, lastSeen: info?.lastSeen ?? null };
        }),
      )
    : null;
  const online = list && connected ? list.filter((m) => m.status !== "offline").length : null;

  return (
    <aside id="members-panel" class="members" data-testid="members-panel" aria-labelledby="members-heading">
      <div class="members-head">
        <h2 id="members-heading">
          {t.t("room.members")}
          {list && (
            <span class="muted members-summary" data-testid="members-summary">
              {online === null
                ? t.t("members.count", { total: list.length })
                : t.t("members.summary", { online, total: list.length })}
            </span>
          )}
        </h2>
        <button
          type="button"
          ref={props.closeRef}
          class="icon-btn"
          data-testid="members-close"
          aria-label={t.t("members.close")}
          title={t.t("members.close")}
          onClick={props.onClose}
        >
          <CloseIcon />
        </button>
      </div>
      {client.members.error && (
        <p class="form-error" role="alert">
          {t.text(client.members.error)}
        </p>
      )}
      {!list && !client.members.error && <p class="muted pad">{t.t("form.loading")}</p>}
      {list && (
        <ul class="member-list" data-testid="member-list">
          {list.map((m) => {
            const status = shownStatus(m.status, connected);
            const label = status === "offline" ? t.lastSeen(m.lastSeen, now) : statusText(t, status);
            const disabled = client.admin.isAdmin && client.admin.isDisabled(m.id);
            return (
              <li
                key={m.id}
                class={`member ${status}`}
                data-testid="member-item"
                data-username={m.username}
                data-status={status}
                data-disabled={disabled ? "true" : undefined}
              >
                <PresenceDot status={status} />
                <span class="member-name">
                  {m.username}
                  {m.id === client.me.id && <span class="muted member-you">{t.t("members.you")}</span>}
                  {disabled && (
                    <span class="tag" data-testid="member-disabled">
                      {t.t("members.disabledTag")}
                    </span>
                  )}
                </span>
                <span class="member-status muted" data-testid="member-status">
                  {label}
                </span>
                {m.id !== client.me.id && !(room.kind === "dm" && list.length === 2) && (
                  <button
                    type="button"
                    class="btn ghost small member-dm"
                    data-testid="member-dm"
                    aria-label={t.t("dm.messageLabel", { name: m.username })}
                    onClick={() => {
                      client.dms.open([m.username]).catch((err: unknown) => client.setNotice(describeError(err)));
                    }}
                  >
                    {t.t("dm.message")}
                  </button>
                )}
                {client.admin.isAdmin && m.id !== client.me.id && (
                  <MemberAdmin client={client} userId={m.id} username={m.username} disabled={disabled} />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {room.private && room.kind !== "dm" && <AddMemberForm client={client} room={room} />}
    </aside>
  );
}

function AddMemberForm(props: { client: ChatClient; room: Room }) {
  const t = useI18n();
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Msg | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const username = name.trim();
    if (!username || busy) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await props.client.members.add(props.room.id, username);
      setName("");
      setDone(username);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="add-member" data-testid="add-member-form" onSubmit={submit}>
      <label for="add-member-input">{t.t("members.addLabel")}</label>
      <div class="row tight">
        <input
          id="add-member-input"
          data-testid="add-member-input"
          placeholder={t.t("members.addPlaceholder")}
          autocomplete="off"
          autocapitalize="none"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "add-member-error" : undefined}
        />
        <button type="submit" class="btn" data-testid="add-member-submit" disabled={busy || !name.trim()}>
          {t.t("members.add")}
        </button>
      </div>
      {error && (
        <p class="field-error" id="add-member-error" role="alert" data-testid="add-member-error">
          {t.text(error)}
        </p>
      )}
      {done && (
        <p class="muted" role="status">
          {t.t("members.added", { name: done })}
        </p>
      )}
    </form>
  );
}

/**
 * Admin-only account actions on a member row. Disabling ends every session of that user at once, so it asks
 * first (inside the app, not window.confirm); focus moves into the question and back out when it closes.
 * You cannot disable yourself, so your own row has no such action (the server would answer 409 anyway).
 */
function MemberAdmin(props: { client: ChatClient; userId: number; username: string; disabled: boolean }) {
  const t = useI18n();
  const { client, userId, username, disabled } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Msg | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const restoreFocus = useRef(false);
  const errorId = `member-admin-error-${userId}`;
  const questionId = `member-disable-question-${userId}`;

  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
    else if (restoreFocus.current) {
      restoreFocus.current = false;
      triggerRef.current?.focus();
    }
  }, [confirming, disabled]);

  const run = async (disable: boolean) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await client.admin.setUserDisabled(userId, disable);
      restoreFocus.current = true;
      setConfirming(false);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const cancel = () => {
    restoreFocus.current = true;
    setConfirming(false);
    setError(null);
  };

  return (
    <div class="member-admin" data-testid="member-admin">
      {confirming ? (
        <div
          class="member-confirm"
          role="group"
          aria-labelledby={questionId}
          onKeyDown={(ev) => {
            if (ev.key === "Escape") {
              ev.stopPropagation();
              cancel();
            }
          }}
        >
          <p id={questionId} class="member-confirm-text">
            {t.t("members.disableQuestion", { name: username })}
          </p>
          <div class="row tight">
            <button
              type="button"
              class="btn small danger"
              data-testid="member-disable-confirm"
              disabled={busy}
              aria-describedby={error ? errorId : undefined}
              onClick={() => void run(true)}
            >
              {busy ? t.t("members.disabling") : t.t("members.disable")}
            </button>
            <button
              type="button"
              class="btn ghost small"
              data-testid="member-disable-cancel"
              ref={cancelRef}
              disabled={busy}
              onClick={cancel}
            >
              {t.t("form.cancel")}
            </button>
          </div>
        </div>
      ) : disabled ? (
        <button
          type="button"
          class="btn ghost small"
          data-testid="member-enable"
          ref={triggerRef}
          aria-label={t.t("members.enableLabel", { name: username })}
          disabled={busy}
          onClick={() => void run(false)}
        >
          {busy ? t.t("members.enabling") : t.t("members.enable")}
        </button>
      ) : (
        <button
          type="button"
          class="btn ghost small"
          data-testid="member-disable"
          ref={triggerRef}
          aria-label={t.t("members.disableLabel", { name: username })}
          onClick={() => {
            setError(null);
            setConfirming(true);
          }}
        >
          {t.t("members.disable")}
        </button>
      )}
      {error && (
        <p class="field-error" id={errorId} role="alert" data-testid="admin-error">
          {t.text(error)}
        </p>
      )}
    </div>
  );
}
