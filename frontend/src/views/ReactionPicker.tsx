import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatClient } from "../client";
import type { Message } from "../protocol";
import { QUICK_REACTIONS, normalizeReaction } from "../reactions_data";
import { SmileIcon } from "./icons";
import { useI18n } from "./i18n_context";

/**
 * The "add reaction" button and its small picker: the short set (reactions_data.QUICK_REACTIONS) and a field
 * for any emoji or shortcode. Escape or a click outside closes it and focus goes back to the button; choosing
 * closes it too. A quick emoji the reader already gave is shown pressed and takes it back.
 */
export function ReactionPicker(props: { client: ChatClient; message: Message }) {
  const t = useI18n();
  const { client, message: m } = props;
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState("");
  const [invalid, setInvalid] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const id = `react-${m.id}`;

  const close = (refocus: boolean) => {
    setOpen(false);
    setCustom("");
    setInvalid(false);
    if (refocus) buttonRef.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    panelRef.current?.querySelector<HTMLButtonElement>("button")?.focus();
    const onDown = (ev: PointerEvent) => {
      const target = ev.target as Node;
      if (!panelRef.current?.contains(target) && !buttonRef.current?.contains(target)) close(false);
    };
    document.addEventListener("pointerdown", onDown);
    return () => document.removeEventListener("pointerdown", onDown);
  }, [open]);

  const choose = (emoji: string) => {
    const err = client.changes.toggleReaction(m, emoji);
    if (err) client.setNotice(err);
    close(true);
  };

  return (
    <div class="react-wrap">
      <button
        type="button"
        ref={buttonRef}
        class="icon-btn msg-tool"
        data-testid="react-button"
        aria-label={t.t("react.addTo", { author: m.user.username })}
        title={t.t("react.add")}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => (open ? close(false) : setOpen(true))}
      >
        <SmileIcon />
      </button>
      {open && (
        <div
          class="react-picker"
          id={id}
          ref={panelRef}
          role="group"
          aria-label={t.t("react.pickerLabel")}
          data-testid="reaction-picker"
          onKeyDown={(ev) => {
            if (ev.key === "Escape") {
              ev.preventDefault();
              ev.stopPropagation();
              close(true);
            }
          }}
        >
          <div class="react-quick">
            {QUICK_REACTIONS.map((e) => (
              <button
                key={e}
                type="button"
                class="react-option"
                data-testid="reaction-option"
                data-emoji={e}
                aria-label={t.t("react.quick", { emoji: e })}
                onClick={() => choose(e)}
              >
                {e}
              </button>
            ))}
          </div>
          <form
            class="react-custom"
            onSubmit={(ev) => {
              ev.preventDefault();
              const emoji = normalizeReaction(custom);
              if (!emoji) setInvalid(true);
              else choose(emoji);
            }}
          >
            <label for={`${id}-custom`} class="sr-only">
              {t.t("react.custom")}
            </label>
            <input
              id={`${id}-custom`}
              data-testid="reaction-custom"
              placeholder={t.t("react.customPlaceholder")}
              autocomplete="off"
              value={custom}
              aria-invalid={invalid ? true : undefined}
              aria-describedby={invalid ? `${id}-invalid` : undefined}
              onInput={(e) => {
                setCustom(e.currentTarget.value);
                setInvalid(false);
              }}
            />
            <button type="submit" class="btn small" data-testid="reaction-custom-add" disabled={!custom.trim()}>
              {t.t("react.customAdd")}
            </button>
          </form>
          {invalid && (
            <p class="field-error" id={`${id}-invalid`} role="alert">
              {t.t("react.invalid")}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
