"""The rules of mentions, resolved by the server when a message is sent.

- `@name` mentions the member of the room whose username is `name`, regardless of case. A name is a username's
  characters following an `@` that does not follow a letter, digit, `_` or `@` (so `ana@example.com` mentions
  nobody). Trailing `.`, `-` and `_` may be punctuation: `@bob.` mentions `bob.` if such a member exists, else
  `bob`. Names that are not members of the room (unknown users included) mention nobody.
- `@room` (also followed by `.`, `-` or `_`, like a name) mentions every member of the room, a user named `room`
  included; in a room of more than ROOM_MENTION_MAX_MEMBERS members it is
  refused (`mention_room_too_large`), so one message cannot ping a crowd.
- The author is never in a message's mentions.

Only a body containing '@' costs anything: one indexed query against the room's members (two for `@room`).
"""

from __future__ import annotations

import re
from typing import Any

from parley import errors
from parley.store import Store

# At most this many members hear an @room: beyond it, a room is an audience rather than a team.
ROOM_MENTION_MAX_MEMBERS = 50
ROOM = "room"

# The characters of a username after an '@' that starts a word; lengths are checked by the lookup.
_MENTION = re.compile(r"(?<![A-Za-z0-9_@])@([A-Za-z0-9][A-Za-z0-9_.-]{0,31})")
_TRAILING = "._-"


def names_in(body: str) -> list[list[str]]:
    """For each `@name` in the body, the lowercase names it may mean, longest first."""
    found = []
    for match in _MENTION.finditer(body):
        token = match.group(1).lower()
        options = [token]
        while token and token[-1] in _TRAILING:
            token = token[:-1]
            options.append(token)
        found.append(options)
    return found


class Mentions:
    def __init__(self, *, store: Store) -> None:
        self._store = store

    async def resolve(self, room_id: int, author_id: int, body: str, **echo: Any) -> tuple[int, ...]:
        """The ids of the members the body mentions (not the author), ascending. A refusal carries `echo` (the
        frame's client_id for a send, message_id for an edit)."""
        tokens = names_in(body)
        if not tokens:
            return ()
        mentioned: set[int] = set()
        if any(ROOM in options for options in tokens):
            members = await self._store.member_ids(room_id, ROOM_MENTION_MAX_MEMBERS + 1)
            if len(members) > ROOM_MENTION_MAX_MEMBERS:
                raise errors.ApiError(
                    400,
                    "mention_room_too_large",
                    f"@room works in rooms of at most {ROOM_MENTION_MAX_MEMBERS} members.",
                    **echo,
                )
            mentioned.update(members)
            tokens = [options for options in tokens if ROOM not in options]
        if tokens:
            named = await self._store.members_named(room_id, {name for options in tokens for name in options})
            for options in tokens:
                user_id = next((named[name] for name in options if name in named), None)
                if user_id is not None:
                    mentioned.add(user_id)
        mentioned.discard(author_id)
        return tuple(sorted(mentioned))
