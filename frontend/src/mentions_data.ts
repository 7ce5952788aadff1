/**
 * Mentions, pure: the `@name` tokens of a body (the server's rule in docs/protocol.md "Mentions": an `@` not after
 * a letter, digit, `_` or `@`, then username characters; a trailing `.`, `-` or `_` may be punctuation), which of
 * them name the reader, and the composer's `@` autocompletion (the query at the caret, candidates, the completed
 * text).
 */
import type { Message, User } from "./protocol";

export interface Segment {
  text: string;
  /** an `@name` that the server could resolve (a member, or `@room`) */
  mention: boolean;
  /** that mention names the reader (and the message's `mentions` has them) */
  self: boolean;
}

const TOKEN = /(^|[^A-Za-z0-9_@])@([A-Za-z0-9_.-]+)/g;

/**
 * The body cut into plain text and mentions. `names` are the lowercased usernames known in the room (members);
 * `@room` always counts. A mention of the reader is `self` only if the server listed them in `mentions`.
 */
export function mentionSegments(m: Pick<Message, "body" | "mentions">, names: ReadonlySet<string>, me: User): Segment[] {
  const out: Segment[] = [];
  const meName = me.username.toLowerCase();
  const mentioned = (m.mentions ?? []).includes(me.id);
  let last = 0;
  for (const match of m.body.matchAll(TOKEN)) {
    const at = (match.index ?? 0) + match[1].length;
    let name = match[2];
    const known = (n: string) => n.toLowerCase() === "room" || names.has(n.toLowerCase());
    if (!known(name)) {
      const trimmed = name.replace(/[._-]+$/, "");
      if (!trimmed || !known(trimmed)) continue;
      name = trimmed;
    }
    if (at > last) out.push({ text: m.body.slice(last, at), mention: false, self: false });
    const lower = name.toLowerCase();
    out.push({ text: `@${name}`, mention: true, self: mentioned && (lower === meName || lower === "room") });
    last = at + 1 + name.length;
  }
  if (last < m.body.length) out.push({ text: m.body.slice(last), mention: false, self: false });
  return out;
}

export interface MentionQuery {
  /** index of the `@` */
  start: number;
  /** what follows it up to the caret */
  query: string;
}

/** The `@word` being typed at the caret, or null (the `@` must start a word, as the server reads it). */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const m = /(^|[^A-Za-z0-9_@])@([A-Za-z0-9_.-]*)$/.exec(before);
  if (!m) return null;
  return { start: before.length - m[2].length - 1, query: m[2] };
}

/** Autocompletion choices: members whose name starts with the query (any case), the reader left out, then `room`. */
export function mentionCandidates(query: string, members: readonly User[], meId: number, limit = 8): string[] {
  const q = query.toLowerCase();
  const names = members
    .filter((u) => u.id !== meId && u.username.toLowerCase().startsWith(q))
    .map((u) => u.username)
    .sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }));
  if ("room".startsWith(q)) names.push("room");
  return names.slice(0, limit);
}

/** The text with the `@query` at `start` replaced by `@name ` and the caret after it. */
export function completeMention(text: string, q: MentionQuery, name: string): { text: string; caret: number } {
  const end = q.start + 1 + q.query.length;
  const insert = `@${name} `;
  const rest = text.slice(end).replace(/^ /, "");
  return { text: text.slice(0, q.start) + insert + rest, caret: q.start + insert.length };
}
