import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatClient } from "../client";
import type { Msg } from "../i18n";
import { roomTitle, isDm } from "../dms_data";
import { completeMention, mentionCandidates, mentionQuery, type MentionQuery } from "../mentions_data";
import { bodyLength } from "../messages_events";
import type { Room } from "../protocol";
import { matches } from "./browser";
import { PaperclipIcon } from "./icons";
import { useI18n } from "./i18n_context";
import { UploadTray } from "./UploadTray";

/** Drafts survive switching rooms (kept for the page's lifetime). */
const drafts = new Map<number, string>();

/**
 * The message box. Typing `@` offers the room's members (and `@room`) in a listbox under it: ↑/↓ move, Enter or
 * Tab completes, Escape closes; the textarea points at the highlighted option (aria-activedescendant).
 *
 * Files: the paperclip button, dropping files on the page, or pasting them (a screenshot) attaches them to the
 * next message; they upload at once (UploadTray shows progress, cancel, errors) and go with the message when sent.
 */
export function Composer(props: { client: ChatClient; room: Room }) {
  const t = useI18n();
  const { client, room } = props;
  const [text, setText] = useState(() => drafts.get(room.id) ?? "");
  const [error, setError] = useState<Msg | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const hasFiles = client.files.uploads.forRoom(room.id).some((u) => u.state === "done");
  const max = client.config.max_body_chars;
  const length = bodyLength(text);
  const tooLong = length > max;
  const [mq, setMq] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const members = client.members.of(room.id) ?? room.members ?? [];
  const candidates = mq && dismissed !== mq.start ? mentionCandidates(mq.query, members, client.me.id) : [];
  const suggesting = candidates.length > 0;
  const activeIndex = Math.min(active, candidates.length - 1);
  const title = roomTitle(room, client.me);
  const placeholder = isDm(room) ? t.t("composer.placeholderDm", { name: title }) : t.t("composer.placeholder", { room: title });

  const readCaret = (el: HTMLTextAreaElement) => {
    const q = mentionQuery(el.value, el.selectionStart ?? el.value.length);
    if (q?.start !== mq?.start || q?.query !== mq?.query) setActive(0);
    if (q === null || q.start !== dismissed) setDismissed(null);
    setMq(q);
  };

  const complete = (name: string) => {
    const el = ref.current;
    if (!el || !mq) return;
    const next = completeMention(text, mq, name);
    update(next.text);
    setMq(null);
    setTimeout(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    }, 0);
  };

  useEffect(() => {
    setText(drafts.get(room.id) ?? "");
    setError(null);
    // Ready to type in the room just opened; not on touch screens, where focus would pop the keyboard up.
    if (!matches("(pointer: coarse)")) ref.current?.focus();
  }, [room.id]);

  // Grow with the content up to a few lines (CSS caps the height).
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  const update = (value: string) => {
    setText(value);
    drafts.set(room.id, value);
    if (error) setError(null);
    client.typing.composerInput(value);
  };

  const submit = (ev?: Event) => {
    ev?.preventDefault();
    if (!text.trim() && !hasFiles && !client.files.uploads.busy(room.id)) return;
    const err = client.files.send(text);
    if (err) {
      setError(err);
      return;
    }
    setText("");
    drafts.delete(room.id);
    ref.current?.focus();
  };

  const onKeyDown = (ev: KeyboardEvent) => {
    if (suggesting && !ev.isComposing) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        const d = ev.key === "ArrowDown" ? 1 : -1;
        setActive((activeIndex + d + candidates.length) % candidates.length);
        return;
      }
      if ((ev.key === "Enter" && !ev.shiftKey) || ev.key === "Tab") {
        ev.preventDefault();
        complete(candidates[activeIndex]);
        return;
      }
      if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation();
        setDismissed(mq?.start ?? null);
        return;
      }
    }
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  };

  const attach = (files: FileList | null | undefined) => {
    if (!files || files.length === 0 || room.archived) return;
    const err = client.files.attach([...files]);
    setError(err);
  };
  const attachRef = useRef(attach);
  attachRef.current = attach;

  // Files dropped anywhere on the page go to the open room (and the browser does not navigate to them).
  useEffect(() => {
    const carriesFiles = (ev: DragEvent) => [...(ev.dataTransfer?.types ?? [])].includes("Files");
    const over = (ev: DragEvent) => {
      if (!carriesFiles(ev)) return;
      ev.preventDefault();
      setDragging(true);
    };
    const leave = (ev: DragEvent) => {
      if (ev.relatedTarget === null) setDragging(false);
    };
    const drop = (ev: DragEvent) => {
      setDragging(false);
      if (!ev.dataTransfer?.files.length) return;
      ev.preventDefault();
      if (!document.querySelector("dialog[open]")) attachRef.current(ev.dataTransfer.files);
    };
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, []);

  const archived = room.archived;
  const describedBy = [error ? "composer-error" : "", archived ? "composer-archived" : "composer-hint"]
    .filter(Boolean)
    .join(" ");
  return (
    <form class={`composer ${dragging ? "dragging" : ""}`} data-testid="composer" onSubmit={submit} aria-label={t.t("composer.label")}>
      {dragging && (
        <p class="drop-hint" data-testid="drop-hint">
          {t.t("files.dropHere")}
        </p>
      )}
      <UploadTray client={client} roomId={room.id} />
      <div class={`composer-box ${tooLong ? "over" : ""}`}>
        <button
          type="button"
          class="icon-btn attach-btn"
          data-testid="attach-button"
          aria-label={t.t("files.attach")}
          title={t.t("files.attach")}
          disabled={archived}
          onClick={() => fileRef.current?.click()}
        >
          <PaperclipIcon />
        </button>
        <input
          ref={fileRef}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => {
            attach(e.currentTarget.files);
            e.currentTarget.value = "";
          }}
        />
        <label for="composer-input" class="sr-only">
          {placeholder}
        </label>
        <textarea
          id="composer-input"
          ref={ref}
          data-testid="composer-input"
          rows={1}
          placeholder={archived ? t.t("composer.archivedPlaceholder") : placeholder}
          enterkeyhint="send"
          value={text}
          disabled={archived}
          onInput={(e) => {
            update(e.currentTarget.value);
            readCaret(e.currentTarget);
          }}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            const files = e.clipboardData?.files;
            if (files && files.length > 0) {
              e.preventDefault();
              attach(files);
            }
          }}
          onKeyUp={(e) => {
            if (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End") readCaret(e.currentTarget);
          }}
          onClick={(e) => readCaret(e.currentTarget)}
          onBlur={() => {
            client.typing.composerBlur();
            // Later than a click on an option, which completes first.
            setTimeout(() => setMq(null), 150);
          }}
          aria-autocomplete="list"
          aria-controls={suggesting ? "mention-list" : undefined}
          aria-activedescendant={suggesting ? `mention-opt-${activeIndex}` : undefined}
          aria-invalid={tooLong || error ? true : undefined}
          aria-describedby={describedBy}
        />
        <button
          type="submit"
          class="btn primary send"
          data-testid="composer-send"
          disabled={archived || (!text.trim() && !hasFiles) || tooLong}
        >
          {t.t("composer.send")}
        </button>
      </div>
      {suggesting && (
        <ul class="mention-list" id="mention-list" role="listbox" aria-label={t.t("mentions.suggestions")} data-testid="mention-list">
          {candidates.map((name, i) => (
            <li
              key={name}
              id={`mention-opt-${i}`}
              role="option"
              aria-selected={i === activeIndex}
              class={`mention-option ${i === activeIndex ? "active" : ""}`}
              data-testid="mention-option"
              data-username={name}
              onPointerDown={(ev) => {
                ev.preventDefault();
                complete(name);
              }}
            >
              @{name}
              {name === "room" && <span class="muted"> · {t.t("mentions.room")}</span>}
            </li>
          ))}
        </ul>
      )}
      <div class="composer-meta">
        {archived ? (
          <span id="composer-archived" class="archived-note" role="status" data-testid="composer-archived-note">
            {t.t("composer.archivedNote")}
          </span>
        ) : (
          <span id="composer-hint" class="muted">
            {t.t("composer.hint")}
          </span>
        )}
        {length > max * 0.9 && (
          <span class={`counter ${tooLong ? "over" : ""}`} data-testid="composer-counter" aria-live="polite">
            {t.t("composer.counter", { length, max })}
          </span>
        )}
      </div>
      {(error || tooLong) && (
        <p class="field-error" id="composer-error" role="alert" data-testid="composer-error">
          {t.text(error ?? { key: "composer.tooLong", params: { length, max } })}
        </p>
      )}
    </form>
  );
}
