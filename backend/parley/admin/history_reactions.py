"""Reactions in `parley export | import`: each exported message names its reactions' emoji and who added them
(by username, in the order they reacted); import puts them back for the messages it adds.

A reaction has no time of its own in an export: imported ones take their message's time, plus their place in the
export's order, so emoji and users keep the order they had (store/conversations.py orders by time).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from parley.actions import emoji, names
from parley.models import Message, Reaction, User
from parley.store.base import username_key

# Users on one emoji of one message, at most: far above any real room, and it bounds one export line.
MAX_USERS_PER_EMOJI = 10_000


def reaction_records(m: Message) -> list[dict[str, Any]]:
    return [{"emoji": r.emoji, "users": [u.username for u in r.users]} for r in m.reactions]


class ReactionRef(Schema):
    emoji = fields.String(required=True)
    users = fields.List(
        fields.String(validate=validate.Regexp(names.USERNAME)),
        required=True,
        validate=validate.Length(min=1, max=MAX_USERS_PER_EMOJI),
    )

    @validates("emoji")
    def _emoji(self, value: str, **_: Any) -> None:
        if emoji.canonical(value) != value:
            raise ValidationError(emoji.RULE)


def reactors(data: dict[str, Any]) -> list[str]:
    """The usernames an export line's reactions name."""
    return [name for reaction in data["reactions"] for name in reaction["users"]]


def reactions_of(data: dict[str, Any], user_ids: dict[str, int]) -> tuple[Reaction, ...]:
    """An export line's reactions with local users (`user_ids`: username key -> id, every reactor in it)."""
    return tuple(
        Reaction(r["emoji"], tuple(User(user_ids[username_key(name)], name) for name in dict.fromkeys(r["users"])))
        for r in data["reactions"]
    )
