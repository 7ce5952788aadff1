"""The reaction rule on its own: one emoji as Unicode builds them, or a shortcode; nothing else."""

from __future__ import annotations

import pytest

from parley.actions import emoji

VALID = [
    "\U0001f44d",  # thumbs up
    "\U0001f44d\U0001f3fd",  # with a skin tone
    "\u2764\ufe0f",  # red heart, emoji presentation
    "\u2764",  # red heart, bare
    "\U0001f1eb\U0001f1f7",  # a flag: two regional indicators
    "1\ufe0f\u20e3",  # keycap one
    "#\u20e3",  # keycap number sign, without the variation selector
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # a family, joined
    "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England: a tag sequence
    # a kiss with two skin tones: 10 code points
    "\U0001f9d1\U0001f3fb\u200d\u2764\ufe0f\u200d\U0001f48b\u200d\U0001f9d1\U0001f3fc",
    "\u00a9\ufe0f",  # copyright sign
    "\U0001fae0",  # melting face (Symbols and Pictographs Extended-A)
]

INVALID = [
    "",
    "a",
    "1",  # a digit without the keycap
    "ok",
    "\U0001f44d\U0001f44d",  # two emoji, not one
    "\U0001f44d ",  # trailing space
    "\U0001f1eb",  # one regional indicator
    "\U0001f1eb\U0001f1f7\U0001f1e9",  # three
    "\U0001f3fb",  # a skin tone alone
    "\u200d\U0001f44d",  # starting with a joiner
    "\U0001f44d\u200d",  # ending with one
    "\ufe0f",
    "\ud83d",  # a lone surrogate
    "\U0001f44d\x00",
    "\u202e\U0001f44d",  # a right-to-left override
    ":smiley_cat:",  # not in the set
    ":+1",
    "\u200d".join(["\U0001f468"] * 9),  # 17 code points
]


@pytest.mark.parametrize("value", VALID)
def test_one_emoji_is_itself(value: str) -> None:
    assert emoji.canonical(value) == value


@pytest.mark.parametrize("value", INVALID)
def test_anything_else_is_refused(value: str) -> None:
    assert emoji.canonical(value) is None


def test_shortcodes_stand_for_their_emoji_and_those_are_valid() -> None:
    assert emoji.canonical(":+1:") == "\U0001f44d"
    for code, value in emoji.SHORTCODES.items():
        assert emoji.canonical(code) == value
        assert emoji.canonical(value) == value, code


def test_the_longest_allowed() -> None:
    longest = "\u200d".join(["\U0001f468"] * 8)  # 15 code points
    assert emoji.canonical(longest) == longest
    assert emoji.canonical(longest + "\ufe0f") is not None  # 16
    assert len(longest + "\ufe0f") == emoji.MAX_CODE_POINTS
