import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { MoreIcon } from "./icons";

export interface MenuItem {
  label: string;
  testid: string;
  onSelect: () => void;
  danger?: boolean;
  disabled?: boolean;
  title?: string;
}

/**
 * A menu button (WAI-ARIA menu button pattern): Enter, Space or ArrowDown opens it on the first item, ArrowUp on
 * the last; arrows, Home and End move; Enter chooses; Escape or Tab closes it, and Escape gives focus back to the
 * button. A click outside closes it too. Items are kept out of the way of everyday controls (Leave room, admin
 * actions).
 */
export function MenuButton(props: {
  label: string;
  testid: string;
  items: MenuItem[];
  buttonRef?: { current: HTMLButtonElement | null };
  children?: ComponentChildren;
}) {
  const [open, setOpen] = useState(false);
  const [focusIndex, setFocusIndex] = useState(0);
  const ownRef = useRef<HTMLButtonElement>(null);
  const buttonRef = props.buttonRef ?? ownRef;
  const menuRef = useRef<HTMLDivElement>(null);
  const id = `${props.testid}-menu`;
  const enabled = props.items.map((it, i) => (it.disabled ? -1 : i)).filter((i) => i >= 0);

  const focusItem = (index: number) => {
    const items = menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]');
    items?.[index]?.focus();
  };

  useEffect(() => {
    if (open) focusItem(focusIndex);
  }, [open, focusIndex]);

  // Escape closes the menu even when focus is not in it (an item re-rendered under the pointer, say). A layout
  // effect: attached as the menu renders, so an Escape pressed at once (before the next frame) is not lost.
  useLayoutEffect(() => {
    if (!open) return;
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key !== "Escape" || ev.defaultPrevented) return;
      ev.preventDefault();
      close(true);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const onDown = (ev: PointerEvent) => {
      const target = ev.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("pointerdown", onDown);
    return () => document.removeEventListener("pointerdown", onDown);
  }, [open]);

  const openAt = (index: number) => {
    if (!enabled.length) return;
    if (open && index === focusIndex) focusItem(index);
    setFocusIndex(index);
    setOpen(true);
  };

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  };

  const move = (delta: number) => {
    const at = enabled.indexOf(focusIndex);
    const next = enabled[(at + delta + enabled.length) % enabled.length];
    setFocusIndex(next);
  };

  const onMenuKey = (ev: KeyboardEvent) => {
    if (ev.key === "ArrowDown") move(1);
    else if (ev.key === "ArrowUp") move(-1);
    else if (ev.key === "Home") setFocusIndex(enabled[0]);
    else if (ev.key === "End") setFocusIndex(enabled[enabled.length - 1]);
    else if (ev.key === "Escape") close(true);
    else if (ev.key === "Tab") {
      close(false);
      return;
    } else return;
    ev.preventDefault();
    ev.stopPropagation();
  };

  return (
    <div class="menu-wrap">
      <button
        type="button"
        ref={buttonRef}
        class="icon-btn"
        data-testid={props.testid}
        aria-label={props.label}
        title={props.label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => (open ? close(false) : openAt(enabled[0]))}
        onKeyDown={(ev) => {
          if (ev.key === "ArrowDown") openAt(enabled[0]);
          else if (ev.key === "ArrowUp") openAt(enabled[enabled.length - 1]);
          else if (ev.key === "Escape" && open) close(true);
          else return;
          ev.preventDefault();
        }}
      >
        {props.children ?? <MoreIcon />}
      </button>
      {open && (
        <div class="menu" role="menu" id={id} ref={menuRef} aria-label={props.label} onKeyDown={onMenuKey}>
          {props.items.map((it, i) => (
            <button
              key={i}
              type="button"
              role="menuitem"
              class={`menu-item ${it.danger ? "danger" : ""}`}
              data-testid={it.testid}
              tabIndex={i === focusIndex ? 0 : -1}
              disabled={it.disabled}
              title={it.title}
              onClick={() => {
                close(true);
                it.onSelect();
              }}
            >
              {it.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
