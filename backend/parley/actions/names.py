"""What a valid username, room name, topic and client id look like: one definition, used by the web schemas and
the admin commands alike. Each check returns the reason a value is refused, or None.

Names are how people recognise each other and rooms, so a name must not be able to pass for another one:
- every pattern is matched whole (`\\A...\\Z` and `fullmatch`: `$` alone lets "admin\\n" through);
- uniqueness is decided on a folded key (NFKC, then case folding: store.username_key / room_name_key), so
  full-width `GENERAL` and `General` are the same name as `general`;
- room names refuse what is invisible or reorders text: control and format characters (zero-width, bidi
  embeddings, overrides, isolates and marks, BOM), line separators, private-use and unassigned code points, and
  the blank fillers that render as nothing;
- room names refuse mixed scripts (Latin with Cyrillic or Greek: `general` written with a Cyrillic `e`). One script,
  plus the characters every script shares (digits, punctuation, symbols, combining marks), is fine; so are the
  mixes a language needs: Han with Hiragana and Katakana (Japanese), with Hangul (Korean) or with Bopomofo, each
  with Latin (UTS #39 "highly restrictive"). Scripts are those of the NFKC form, so mathematical and full-width
  letters count as the Latin they fold to.
Usernames stay ASCII, which none of that can affect. Message bodies and topics are free text: they are cleaned
(`clean_text`) rather than refused.
"""

from __future__ import annotations

import re
import unicodedata

from confusable_homoglyphs import categories

from parley.store import NAME_KEY_MAX, room_name_key

USERNAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{2,31}\Z")
USERNAME_RULE = "3-32 characters: letters, digits, '_', '.' or '-', starting with a letter or digit."
CLIENT_ID = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")
ROOM_NAME_MAX = 64
TOPIC_MAX = 250
PASSWORD_MIN = 8
PASSWORD_MAX = 256

# Unicode categories a name never contains: controls, format characters (zero-width, bidi controls, BOM, ...),
# surrogates, private use, unassigned, line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Default-ignorable or blank letters outside those categories: combining grapheme joiner, Hangul fillers, Khmer
# inherent vowels. They render as nothing and would make two names look alike.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
# The scripts every other script shares, and the combining marks that take their base's script.
_SHARED_SCRIPTS = frozenset({"COMMON", "INHERITED"})
# Script mixes a language needs (UTS #39, "highly restrictive").
_ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# Unicode's Bidi_Control characters: ALM, LRM, RLM, the embeddings and overrides, the isolates.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What free text (message bodies, topics) loses: the bidi controls, and every C0/C1 control but tab and newline.
_STRIPPED = re.compile(
    "[" + "".join(BIDI_CONTROLS) + r"\x00-\x08\x0b-\x1f\x7f-\x9f" + "]"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def username_problem(value: str) -> str | None:
    return None if USERNAME.fullmatch(value) else USERNAME_RULE


def room_name_problem(value: str) -> str | None:
    if not 1 <= len(value) <= ROOM_NAME_MAX:
        return f"Length must be between 1 and {ROOM_NAME_MAX}."
    if value != value.strip():
        return "No leading or trailing whitespace."
    for char in value:
        if char in BIDI_CONTROLS:
            return "No bidirectional control characters."
        if unicodedata.category(char) in _REFUSED_CATEGORIES or char in _INVISIBLE:
            return f"No control, invisible or unassigned characters (U+{ord(char):04X})."
    if len(room_name_key(value)) > NAME_KEY_MAX:
        return f"Longer than {NAME_KEY_MAX} characters once normalized."
    scripts = scripts_of(value)
    if len(scripts) > 1 and not any(scripts <= mix for mix in _ALLOWED_MIXES):
        return "Letters from one script only (" + ", ".join(sorted(s.title() for s in scripts)) + " are mixed)."
    return None


def scripts_of(value: str) -> frozenset[str]:
    """The scripts of the name's letters, as they fold (NFKC), leaving out those every script shares."""
    folded = unicodedata.normalize("NFKC", value)
    return frozenset(categories.alias(char) for char in folded) - _SHARED_SCRIPTS


def clean_text(value: str) -> str:
    """Free text as stored: without bidi controls (they reorder what follows, in the chat and in terminals) and
    without NUL and the other control characters except tab and newline."""
    return _STRIPPED.sub("", value)


def topic_problem(value: str) -> str | None:
    if len(value) > TOPIC_MAX:
        return f"Longer than maximum length {TOPIC_MAX}."
    if _CONTROL.search(clean_text(value)):
        return "No control characters."
    return None


def password_problem(value: str) -> str | None:
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        return f"a password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters"
    return None
