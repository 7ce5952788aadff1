import { useEffect, useRef, useState } from "preact/hooks";
import { useI18n } from "./i18n_context";

/**
 * A destructive admin action that asks first, inside the page (not window.confirm): the button turns into the
 * question with a confirm and a cancel button; focus moves to cancel, and back to the button when the question
 * closes (Escape cancels). `onConfirm` says whether it worked: on failure the question closes and the page's
 * error notice says why.
 */
export function AdminConfirm(props: {
  /** the button's text, and its accessible name (which names the target: "Disable ann") */
  label: string;
  ariaLabel: string;
  question: string;
  testid: string;
  busy: boolean;
  onConfirm: () => Promise<boolean>;
}) {
  const t = useI18n();
  const [open, setOpen] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const restore = useRef(false);
  const questionId = useRef(`confirm-${Math.random().toString(36).slice(2)}`).current;

  useEffect(() => {
    if (open) cancelRef.current?.focus();
    else if (restore.current) {
      restore.current = false;
      triggerRef.current?.focus();
    }
  }, [open]);

  const close = () => {
    restore.current = true;
    setOpen(false);
  };

  if (!open) {
    return (
      <button
        type="button"
        class="btn ghost small"
        ref={triggerRef}
        data-testid={props.testid}
        aria-label={props.ariaLabel}
        disabled={props.busy}
        onClick={() => setOpen(true)}
      >
        {props.label}
      </button>
    );
  }
  return (
    <div
      class="admin-confirm"
      role="group"
      aria-labelledby={questionId}
      onKeyDown={(ev) => {
        if (ev.key === "Escape") {
          ev.stopPropagation();
          close();
        }
      }}
    >
      <p id={questionId} class="admin-confirm-text">
        {props.question}
      </p>
      <div class="row tight">
        <button
          type="button"
          class="btn small danger"
          data-testid={`${props.testid}-confirm`}
          disabled={props.busy}
          onClick={() => {
            void props.onConfirm().then(close);
          }}
        >
          {props.label}
        </button>
        <button type="button" class="btn ghost small" ref={cancelRef} data-testid={`${props.testid}-cancel`} onClick={close}>
          {t.t("form.cancel")}
        </button>
      </div>
    </div>
  );
}
