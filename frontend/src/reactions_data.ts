/**
 * Reactions, pure: the picker's short set, whether a click adds or takes back, shortcodes typed by hand, and who
 * reacted (for a chip's title). The server checks the emoji rule (docs/protocol.md "Reactions"); here a typed
 * reaction is only trimmed, a shortcode turned into its emoji, and text that cannot be one emoji refused early.
 */
import { SHORTCODES, type Reaction, type User } from "./protocol";

/** The picker's short set (documented in the README): each is also a shortcode of the protocol. */
export const QUICK_REACTIONS: readonly string[] = [
  SHORTCODES[":+1:"],
  SHORTCODES[":heart:"],
  SHORTCODES[":laughing:"],
  SHORTCODES[":tada:"],
  SHORTCODES[":eyes:"],
  SHORTCODES[":rocket:"],
];

/** The protocol's limit on one emoji, in code points. */
const EMOJI_MAX_CODE_POINTS = 16;

/**
 * What a typed reaction sends: a listed shortcode becomes its emoji; anything else must look like one emoji
 * (no letters, digits or spaces, at most 16 code points, a pictograph or regional indicator or keycap in it).
 * Null when it cannot be one.
 */
export function normalizeReaction(input: string): string | null {
  const text = input.trim();
  if (!text) return null;
  const code = SHORTCODES[text.toLowerCase()];
  if (code) return code;
  if ([...text].length > EMOJI_MAX_CODE_POINTS) return null;
  if (/[\s\p{L}]/u.test(text)) return null;
  if (!/\p{Extended_Pictographic}|[\u{1F1E6}-\u{1F1FF}]|\u20E3/u.test(text)) return null;
  return text;
}

export function hasReacted(reactions: readonly Reaction[], emoji: string, meId: number): boolean {
  return reactions.some((r) => r.emoji === emoji && r.users.some((u) => u.id === meId));
}

/** The frame a click on this emoji sends: take back one's own reaction, else add it. */
export function toggleType(reactions: readonly Reaction[], emoji: string, meId: number): "reaction.add" | "reaction.remove" {
  return hasReacted(reactions, emoji, meId) ? "reaction.remove" : "reaction.add";
}

/** Who reacted, in the order they did, the reader as `youLabel`. */
export function reactorNames(reaction: Reaction, me: User, youLabel: string): string[] {
  return reaction.users.map((u) => (u.id === me.id ? youLabel : u.username));
}
