/**
 * Small inline SVG icons (no icon font, no emoji: those depend on fonts a machine may not have). Each is
 * decorative: the control that holds it carries the text or label.
 */
import type { ComponentChildren } from "preact";

function Svg(props: { size?: number; children: ComponentChildren }) {
  const size = props.size ?? 18;
  return (
    <svg class="icon" viewBox="0 0 16 16" width={size} height={size} aria-hidden="true" focusable="false">
      {props.children}
    </svg>
  );
}

export function LockIcon() {
  return (
    <Svg size={14}>
      <path
        fill="currentColor"
        d="M8 1a3.5 3.5 0 0 0-3.5 3.5V6H4a1.5 1.5 0 0 0-1.5 1.5v6A1.5 1.5 0 0 0 4 15h8a1.5 1.5 0 0 0 1.5-1.5v-6A1.5 1.5 0 0 0 12 6h-.5V4.5A3.5 3.5 0 0 0 8 1Zm-2 3.5a2 2 0 1 1 4 0V6H6V4.5Z"
      />
    </Svg>
  );
}

export function RoomIcon(props: { private: boolean }) {
  return props.private ? <LockIcon /> : <span aria-hidden="true">#</span>;
}

export function MenuIcon() {
  return (
    <Svg>
      <path fill="currentColor" d="M2 3.5h12v1.6H2zm0 3.7h12v1.6H2zm0 3.7h12v1.6H2z" />
    </Svg>
  );
}

export function CloseIcon() {
  return (
    <Svg>
      <path
        fill="none"
        stroke="currentColor"
        stroke-width="1.8"
        stroke-linecap="round"
        d="M3.5 3.5l9 9m0-9l-9 9"
      />
    </Svg>
  );
}

export function PeopleIcon() {
  return (
    <Svg>
      <path
        fill="currentColor"
        d="M6 7.5a2.75 2.75 0 1 0 0-5.5 2.75 2.75 0 0 0 0 5.5Zm5.5.5a2.25 2.25 0 1 0 0-4.5 2.25 2.25 0 0 0 0 4.5ZM1 13.2C1 10.9 3.2 9 6 9s5 1.9 5 4.2V14H1v-.8Zm11 .8v-.8c0-1.3-.5-2.5-1.4-3.4.3-.1.6-.1.9-.1 2.2 0 3.5 1.4 3.5 3.2V14h-3Z"
      />
    </Svg>
  );
}

export function MoreIcon() {
  return (
    <Svg>
      <circle cx="3" cy="8" r="1.5" fill="currentColor" />
      <circle cx="8" cy="8" r="1.5" fill="currentColor" />
      <circle cx="13" cy="8" r="1.5" fill="currentColor" />
    </Svg>
  );
}

export function SearchIcon() {
  return (
    <Svg size={16}>
      <circle cx="7" cy="7" r="4.5" fill="none" stroke="currentColor" stroke-width="1.8" />
      <path d="M10.5 10.5L14 14" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
    </Svg>
  );
}

/** The Admin page's entry in the sidebar. */
export function ShieldIcon() {
  return (
    <Svg size={16}>
      <path d="M8 1.8l5 2v4c0 3-2.2 5.4-5 6.4-2.8-1-5-3.4-5-6.4v-4z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" />
    </Svg>
  );
}

export function PlusIcon() {
  return (
    <Svg size={16}>
      <path d="M8 2.5v11M2.5 8h11" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
    </Svg>
  );
}

export function ArrowDownIcon() {
  return (
    <Svg size={16}>
      <path
        d="M8 2.5v10m-4.5-4.5L8 12.5 12.5 8"
        fill="none"
        stroke="currentColor"
        stroke-width="1.8"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </Svg>
  );
}

export function SmileIcon() {
  return (
    <Svg size={16}>
      <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" stroke-width="1.4" />
      <circle cx="5.8" cy="6.5" r="0.9" fill="currentColor" />
      <circle cx="10.2" cy="6.5" r="0.9" fill="currentColor" />
      <path d="M5.2 9.4a3.2 3.2 0 0 0 5.6 0" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" />
    </Svg>
  );
}

/** A struck-through bell: the room is muted. */
export function MutedIcon() {
  return (
    <Svg size={14}>
      <path
        fill="currentColor"
        d="M8 1.5a4 4 0 0 0-4 4v2.7L2.6 11h10.8L12 8.2V5.5a4 4 0 0 0-4-4Zm-1.8 10.8a1.8 1.8 0 0 0 3.6 0Z"
      />
      <path d="M2 2l12 12" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />
    </Svg>
  );
}

export function PencilIcon() {
  return (
    <Svg size={16}>
      <path fill="currentColor" d="M11.3 1.7a1.5 1.5 0 0 1 2.1 0l.9.9a1.5 1.5 0 0 1 0 2.1L5.6 13.4 2 14l.6-3.6Z" />
    </Svg>
  );
}

export function BellIcon() {
  return (
    <Svg size={16}>
      <path
        fill="currentColor"
        d="M8 1.5a4 4 0 0 0-4 4v2.7L2.6 11h10.8L12 8.2V5.5a4 4 0 0 0-4-4Zm-1.8 10.8a1.8 1.8 0 0 0 3.6 0Z"
      />
    </Svg>
  );
}

export function PaperclipIcon() {
  return (
    <Svg>
      <path
        d="M11.5 7.5l-4.8 4.8a2.6 2.6 0 01-3.7-3.7l5.6-5.6a1.7 1.7 0 012.4 2.4l-5.4 5.4a.8.8 0 01-1.1-1.1L9.3 4.9"
        fill="none"
        stroke="currentColor"
        stroke-width="1.4"
        stroke-linecap="round"
      />
    </Svg>
  );
}
