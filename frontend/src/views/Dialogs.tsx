import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, describeError } from "../api";
import type { ChatClient } from "../client";
import { RoomIcon } from "./icons";
import { PASSWORD_MAX, ROOM_NAME_MAX, ROOM_TOPIC_MAX, type Room } from "../protocol";
import { passwordChangeErrors, validatePasswordChange, type PasswordFormErrors } from "../account_data";

/** A native modal <dialog>: focus is trapped and Escape closes it, for free. */
export function Modal(props: { title: string; testid: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (typeof d.showModal === "function" && !d.open) d.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      props.onClose();
    };
    d.addEventListener("cancel", onCancel);
    return () => {
      d.removeEventListener("cancel", onCancel);
      if (d.open) d.close();
    };
  }, []);
  const titleId = `${props.testid}-title`;
  return (
    <dialog ref={ref} class="modal" data-testid={props.testid} aria-labelledby={titleId}>
      <div class="modal-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" class="icon-btn" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

export function CreateRoomDialog(props: { client: ChatClient; onClose: () => void }) {
  const [name, setName] = useState("");
  const [topic, setTopic] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    const n = name.trim();
    if (!n) {
      setFields({ name: "Enter a room name." });
      return;
    }
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await props.client.rooms.create(n, topic.trim(), isPrivate);
      props.onClose();
    } catch (err) {
      if (err instanceof ApiError && err.code === "validation_failed" && Object.keys(err.fields).length) {
        const f: Record<string, string> = {};
        for (const [k, v] of Object.entries(err.fields)) f[k] = v.join(" ");
        setFields(f);
        setError("Please fix the highlighted fields.");
      } else if (err instanceof ApiError && err.code === "room_name_taken") {
        setFields({ name: "A room with that name already exists." });
        setError("A room with that name already exists.");
      } else {
        setError(describeError(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Create a room" testid="create-room-dialog" onClose={props.onClose}>
      <form onSubmit={submit} class="modal-body" noValidate>
        {error && (
          <p class="form-error" role="alert" data-testid="create-room-error">
            {error}
          </p>
        )}
        <div class="field">
          <label for="create-room-name">Name</label>
          <input
            id="create-room-name"
            data-testid="create-room-name"
            maxLength={ROOM_NAME_MAX}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            aria-invalid={fields.name ? true : undefined}
            aria-describedby={fields.name ? "create-room-name-error" : undefined}
            autoFocus
          />
          {fields.name && (
            <p class="field-error" id="create-room-name-error">
              {fields.name}
            </p>
          )}
        </div>
        <div class="field">
          <label for="create-room-topic">
            Topic <span class="muted">(optional)</span>
          </label>
          <input
            id="create-room-topic"
            data-testid="create-room-topic"
            maxLength={ROOM_TOPIC_MAX}
            value={topic}
            onInput={(e) => setTopic(e.currentTarget.value)}
            aria-invalid={fields.topic ? true : undefined}
          />
          {fields.topic && <p class="field-error">{fields.topic}</p>}
        </div>
        <div class="field check">
          <input
            id="create-room-private"
            data-testid="create-room-private"
            type="checkbox"
            checked={isPrivate}
            onChange={(e) => setPrivate(e.currentTarget.checked)}
          />
          <label for="create-room-private">Private — only people you add can see it</label>
        </div>
        <div class="modal-actions">
          <button type="button" class="btn ghost" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" data-testid="create-room-submit" disabled={busy}>
            {busy ? "Creating…" : "Create room"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function BrowseRoomsDialog(props: { client: ChatClient; onClose: () => void }) {
  const { client } = props;
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  const [busyId, setBusyId] = useState<number | null>(null);

  const load = () => {
    setError(null);
    client.rooms.refreshDirectory().then(setRooms, (err: unknown) => setError(describeError(err)));
  };
  useEffect(load, []);

  const join = async (room: Room) => {
    setBusyId(room.id);
    setError(null);
    try {
      await client.rooms.join(room.id);
      props.onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusyId(null);
    }
  };

  const f = filter.trim().toLowerCase();
  const shown = (rooms ?? []).filter((r) => !f || r.name.toLowerCase().includes(f) || r.topic.toLowerCase().includes(f));
  return (
    <Modal title="Browse rooms" testid="browse-rooms-dialog" onClose={props.onClose}>
      <div class="modal-body">
        <div class="field">
          <label for="browse-filter" class="sr-only">
            Filter rooms
          </label>
          <input
            id="browse-filter"
            type="search"
            placeholder="Filter rooms"
            data-testid="browse-filter"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
            autoFocus
          />
        </div>
        {error && (
          <p class="form-error" role="alert" data-testid="browse-error">
            {error}{" "}
            <button type="button" class="link" onClick={load}>
              Try again
            </button>
          </p>
        )}
        {!rooms && !error && <p class="muted">Loading…</p>}
        {rooms && shown.length === 0 && <p class="muted">No rooms match.</p>}
        <ul class="browse-list" data-testid="browse-room-list">
          {shown.map((r) => {
            const joined = client.roomsData.isJoined(r.id);
            return (
              <li key={r.id} class="browse-item" data-testid="browse-room-item" data-room-id={r.id} data-room-name={r.name}>
                <div class="browse-text">
                  <span class="browse-name">
                    <span class="hash" aria-hidden="true">
                      <RoomIcon private={r.private} />
                    </span>{" "}
                    {r.name}
                    {r.archived && <span class="tag">archived</span>}
                  </span>
                  {r.topic && <span class="muted browse-topic">{r.topic}</span>}
                </div>
                {joined ? (
                  <button
                    type="button"
                    class="btn ghost small"
                    data-testid="open-room-button"
                    aria-label={`Open ${r.name}`}
                    onClick={() => {
                      client.rooms.select(r.id);
                      props.onClose();
                    }}
                  >
                    Open
                  </button>
                ) : (
                  <button
                    type="button"
                    class="btn small"
                    data-testid="join-room-button"
                    aria-label={`Join ${r.name}`}
                    disabled={busyId === r.id || r.archived}
                    onClick={() => void join(r)}
                  >
                    {busyId === r.id ? "Joining…" : "Join"}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      </div>
    </Modal>
  );
}

/**
 * Change password. On success every other session of the user ends (other tabs and devices see the login
 * screen) and this page carries on with a fresh session (Session.changePassword in session.ts).
 */
export function ChangePasswordDialog(props: { client: ChatClient; onClose: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PasswordFormErrors>({ form: null });
  const currentRef = useRef<HTMLInputElement>(null);
  const nextRef = useRef<HTMLInputElement>(null);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    const local = validatePasswordChange(current, next);
    if (local.current || local.next) {
      setErrors({ form: null, ...local });
      (local.current ? currentRef : nextRef).current?.focus();
      return;
    }
    setBusy(true);
    setErrors({ form: null });
    try {
      await props.client.session.changePassword(current, next);
      props.onClose();
      props.client.setNotice("Password changed. Your other sessions have been logged out.", "info");
    } catch (err) {
      const e = passwordChangeErrors(err);
      setErrors(e);
      if (e.current) {
        setCurrent("");
        currentRef.current?.focus();
      } else if (e.next) nextRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Change password" testid="change-password-dialog" onClose={props.onClose}>
      <form onSubmit={submit} class="modal-body" noValidate>
        {errors.form && (
          <p class="form-error" role="alert" data-testid="change-password-error">
            {errors.form}
          </p>
        )}
        {/* Lets password managers tie the new password to this account. */}
        <input type="text" class="sr-only" autocomplete="username" value={props.client.me.username} readOnly tabIndex={-1} aria-hidden="true" />
        <div class="field">
          <label for="change-password-current">Current password</label>
          <input
            id="change-password-current"
            ref={currentRef}
            data-testid="change-password-current"
            type="password"
            autocomplete="current-password"
            maxLength={PASSWORD_MAX}
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
            aria-invalid={errors.current ? true : undefined}
            aria-describedby={errors.current ? "change-password-current-error" : undefined}
            autoFocus
          />
          {errors.current && (
            <p class="field-error" id="change-password-current-error" data-testid="change-password-current-error">
              {errors.current}
            </p>
          )}
        </div>
        <div class="field">
          <label for="change-password-new">New password</label>
          <input
            id="change-password-new"
            ref={nextRef}
            data-testid="change-password-new"
            type="password"
            autocomplete="new-password"
            maxLength={PASSWORD_MAX}
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
            aria-invalid={errors.next ? true : undefined}
            aria-describedby={errors.next ? "change-password-new-error change-password-new-hint" : "change-password-new-hint"}
          />
          <p class="muted field-hint" id="change-password-new-hint">
            At least 8 characters. Your other sessions (tabs, devices) will be logged out.
          </p>
          {errors.next && (
            <p class="field-error" id="change-password-new-error" data-testid="change-password-new-error">
              {errors.next}
            </p>
          )}
        </div>
        <div class="modal-actions">
          <button type="button" class="btn ghost" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary" data-testid="change-password-submit" disabled={busy}>
            {busy ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
