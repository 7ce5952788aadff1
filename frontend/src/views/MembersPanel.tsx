import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api";
import type { ChatClient } from "../client";
import { lastSeenLabel, sortMembers } from "../presence_data";
import type { Room } from "../protocol";
import { useNow } from "./useClient";

export function MembersPanel(props: { client: ChatClient; room: Room; onClose: () => void }) {
  const { client, room } = props;
  const now = useNow(30_000);
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
  const online = list ? list.filter((m) => m.status !== "offline").length : 0;

  return (
    <aside id="members-panel" class="members" data-testid="members-panel" aria-labelledby="members-heading">
      <div class="members-head">
        <h2 id="members-heading">
          Members {list && <span class="muted">({online} online / {list.length})</span>}
        </h2>
        <button type="button" class="icon-btn" aria-label="Close members" onClick={props.onClose}>
          ×
        </button>
      </div>
      {client.members.error && (
        <p class="form-error" role="alert">
          {client.members.error}
        </p>
      )}
      {!list && !client.members.error && <p class="muted pad">Loading…</p>}
      {list && (
        <ul class="member-list" data-testid="member-list">
          {list.map((m) => {
            const label = m.status === "offline" ? lastSeenLabel(m.lastSeen, now) : m.status;
            const disabled = client.admin.isAdmin && client.admin.isDisabled(m.id);
            return (
              <li
                key={m.id}
                class={`member ${m.status}`}
                data-testid="member-item"
                data-username={m.username}
                data-status={m.status}
                data-disabled={disabled ? "true" : undefined}
              >
                <span class={`presence-dot ${m.status}`} data-testid="presence-dot" aria-hidden="true" />
                <span class="member-name">
                  {m.username}
                  {m.id === client.me.id && <span class="muted"> (you)</span>}
                  {disabled && (
                    <span class="tag" data-testid="member-disabled">
                      disabled
                    </span>
                  )}
                </span>
                <span class="member-status muted" data-testid="member-status">
                  {label}
                </span>
                {client.admin.isAdmin && m.id !== client.me.id && (
                  <MemberAdmin client={client} userId={m.id} username={m.username} disabled={disabled} />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {room.private && <AddMemberForm client={client} room={room} />}
    </aside>
  );
}

function AddMemberForm(props: { client: ChatClient; room: Room }) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
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
      setDone(`Added ${username}.`);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="add-member" data-testid="add-member-form" onSubmit={submit}>
      <label for="add-member-input">Add a member</label>
      <div class="row tight">
        <input
          id="add-member-input"
          data-testid="add-member-input"
          placeholder="username"
          autocomplete="off"
          autocapitalize="none"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "add-member-error" : undefined}
        />
        <button type="submit" class="btn" data-testid="add-member-submit" disabled={busy || !name.trim()}>
          Add
        </button>
      </div>
      {error && (
        <p class="field-error" id="add-member-error" role="alert" data-testid="add-member-error">
          {error}
        </p>
      )}
      {done && (
        <p class="muted" role="status">
          {done}
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
  const { client, userId, username, disabled } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
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
            Disable {username}? They are logged out everywhere at once and cannot log in until re-enabled.
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
              {busy ? "Disabling…" : "Disable account"}
            </button>
            <button
              type="button"
              class="btn ghost small"
              data-testid="member-disable-cancel"
              ref={cancelRef}
              disabled={busy}
              onClick={cancel}
            >
              Cancel
            </button>
          </div>
        </div>
      ) : disabled ? (
        <button
          type="button"
          class="btn ghost small"
          data-testid="member-enable"
          ref={triggerRef}
          aria-label={`Enable the account of ${username} (admin)`}
          disabled={busy}
          onClick={() => void run(false)}
        >
          {busy ? "Enabling…" : "Enable account"}
        </button>
      ) : (
        <button
          type="button"
          class="btn ghost small"
          data-testid="member-disable"
          ref={triggerRef}
          aria-label={`Disable the account of ${username} (admin)`}
          onClick={() => {
            setError(null);
            setConfirming(true);
          }}
        >
          Disable account
        </button>
      )}
      {error && (
        <p class="field-error" id={errorId} role="alert" data-testid="admin-error">
          {error}
        </p>
      )}
    </div>
  );
}
