"""What a reaction may be: one emoji as Unicode's emoji grammar builds it, or a `:name:` from a small set.

The rule (docs/protocol.md, "Reactions"), checked without a Unicode database so it is the same everywhere:
- a flag: two regional indicators (U+1F1E6-U+1F1FF);
- a keycap: 0-9, # or *, an optional U+FE0F, then U+20E3;
- otherwise one or more pictographs joined by U+200D (zero width joiner), each optionally followed by a
  variation selector (U+FE0E, U+FE0F), a skin tone (U+1F3FB-U+1F3FF) and a tag sequence (U+E0020-U+E007E
  ending in U+E007F, as in subdivision flags). The pictographs are the code points of the emoji blocks listed
  in `_PICTOGRAPH`;
- at most MAX_CODE_POINTS code points in all.
A shortcode from SHORTCODES stands for its emoji, so `:+1:` and the thumbs-up emoji are the same reaction.
Emoji are compared code point by code point: a client sends what its picker produced, unchanged.
"""

from __future__ import annotations

import re

# The longest emoji sequences in use (a kiss with two skin tones) have 10 code points; 16 leaves room and still
# keeps a reaction small.
MAX_CODE_POINTS = 16

_PICTOGRAPH = (
    "[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u25fe\u2600-\u27bf"
    "\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299"
    "\U0001f000-\U0001f1e5\U0001f200-\U0001f3fa\U0001f400-\U0001faff]"
)
_ELEMENT = _PICTOGRAPH + "[\ufe0e\ufe0f]?[\U0001f3fb-\U0001f3ff]?(?:[\U000e0020-\U000e007e]+\U000e007f)?"
_EMOJI = re.compile(
    "[\U0001f1e6-\U0001f1ff]{2}"  # a flag
    "|[0-9#*]\ufe0f?\u20e3"  # a keycap
    f"|{_ELEMENT}(?:\u200d{_ELEMENT})*"  # pictographs, joined
)

SHORTCODES: dict[str, str] = {
    ":+1:": "\U0001f44d",
    ":-1:": "\U0001f44e",
    ":heart:": "\u2764\ufe0f",
    ":smile:": "\U0001f604",
    ":laughing:": "\U0001f606",
    ":tada:": "\U0001f389",
    ":eyes:": "\U0001f440",
    ":rocket:": "\U0001f680",
    ":thinking:": "\U0001f914",
    ":fire:": "\U0001f525",
    ":pray:": "\U0001f64f",
    ":clap:": "\U0001f44f",
    ":cry:": "\U0001f622",
    ":100:": "\U0001f4af",
    ":white_check_mark:": "\u2705",
    ":x:": "\u274c",
}

RULE = (
    "One emoji (a pictograph sequence, flag or keycap; at most 16 code points) or one of "
    + ", ".join(SHORTCODES)
    + "."
)


def canonical(value: str) -> str | None:
    """The emoji a reaction stands for, or None if `value` is not a valid reaction."""
    if value in SHORTCODES:
        return SHORTCODES[value]
    if len(value) > MAX_CODE_POINTS or _EMOJI.fullmatch(value) is None:
        return None
    return value
