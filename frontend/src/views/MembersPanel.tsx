import { useState } from "preact/hooks";
import { describeError } from "../api";
import type { ChatClient } from "../client";
import { lastSeenLabel, sortMembers } from "../presence_data";
import type { Room } from "../protocol";
import { useNow } from "./useClient";

export function MembersPanel(props: { client: ChatClient; room: Room; onClose: () => void }) {
  const { client, room } = props;
  const now = useNow(30_000);
  const users = client.membersOf(room.id);
  const list = users
    ? sortMembers(
        users.map((u) => {
          const info = client.presence.get(u.id);
          const status = u.id === client.me.id ? client.ownStatus : (info?.status ?? "offline");
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
      {client.membersError && (
        <p class="form-error" role="alert">
          {client.membersError}
        </p>
      )}
      {!list && !client.membersError && <p class="muted pad">Loading…</p>}
      {list && (
        <ul class="member-list" data-testid="member-list">
          {list.map((m) => {
            const label = m.status === "offline" ? lastSeenLabel(m.lastSeen, now) : m.status;
            return (
              <li
                key={m.id}
                class={`member ${m.status}`}
                data-testid="member-item"
                data-username={m.username}
                data-status={m.status}
              >
                <span class={`presence-dot ${m.status}`} data-testid="presence-dot" aria-hidden="true" />
                <span class="member-name">
                  {m.username}
                  {m.id === client.me.id && <span class="muted"> (you)</span>}
                </span>
                <span class="member-status muted" data-testid="member-status">
                  {label}
                </span>
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
      await props.client.addMember(props.room.id, username);
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
