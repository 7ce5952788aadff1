"""The rules of search: which rooms a search may read, the filters typed in the query box, and the caps.

Policy:
- A search reads the rooms the caller is a member of now (rooms, private rooms, DMs): never one they left or were
  removed from. Naming a room (`room_id=` or `in:name`) narrows it to that room, which may also be a public room
  the caller has not joined (its history is readable to everyone); a private room or DM they are not in is
  `room_not_found`, as everywhere else.
- `from:username` and `in:room-name` typed in the query work as the `from` and `room_id` parameters; given both
  ways they must agree. What is left are the search words: at least one (`search_query_empty`), at most
  QUERY_MAX_CHARS characters and QUERY_MAX_TOKENS index tokens (`search_query_too_long`), so a query's cost is
  bounded. Deleted messages are never found (deletion un-indexes them, store/search.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from parley import errors
from parley.actions.rooms import Rooms
from parley.models import Room, User
from parley.store import Hit, Store, query_terms

# Characters of the whole query box, filters included.
QUERY_MAX_CHARS = 200
# Index tokens one query may need (each is one more join): a long Chinese phrase needs about half its length.
QUERY_MAX_TOKENS = 12
PAGE_DEFAULT = 20
PAGE_MAX = 50

# `from:ana`, `from:@ana`, `in:general`, `in:#general`, `in:"two words"`; the keyword in any case.
_FILTER = re.compile(r'(?<!\S)(from|in):(?:"([^"]*)"|(\S+))', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Parsed:
    words: str
    author: str | None
    room_name: str | None


def parse(query: str) -> Parsed:
    """Split the query box into its search words and its filters (the last of each kind wins)."""
    found: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        value = match.group(2) if match.group(2) is not None else match.group(3)
        found[match.group(1).lower()] = value
        return " "

    words = _FILTER.sub(take, query)
    author = found.get("from")
    room_name = found.get("in")
    return Parsed(
        words.strip(),
        author.lstrip("@") if author is not None else None,
        room_name.lstrip("#") if room_name is not None else None,
    )


def query_empty() -> errors.ApiError:
    return errors.ApiError(400, "search_query_empty", "Type at least one word to search for.")


def query_too_long() -> errors.ApiError:
    return errors.ApiError(
        400, "search_query_too_long", f"At most {QUERY_MAX_CHARS} characters and {QUERY_MAX_TOKENS} words."
    )


class Search:
    def __init__(self, *, store: Store, rooms: Rooms) -> None:
        self._store = store
        self._rooms = rooms

    async def search(self, user: User, query: dict[str, Any]) -> tuple[list[tuple[Hit, bool]], bool]:
        """The page of hits (each with whether the caller is a member of its room) and whether more follow."""
        text: str = query["q"]
        if len(text) > QUERY_MAX_CHARS:
            raise query_too_long()
        parsed = parse(text)
        terms = query_terms(parsed.words)
        if not terms.tokens:
            raise query_empty()
        if len(terms.tokens) > QUERY_MAX_TOKENS:
            raise query_too_long()
        room = await self._room(user, query["room_id"], parsed.room_name)
        author_id = await self._author(query["author"], parsed.author)
        if room is not None:
            room_ids = [room.id]
        else:
            room_ids = await self._store.room_ids_of(user.id)
        hits, more = await self._store.search(
            terms, room_ids, author_id=author_id, before_id=query["before"], limit=query["limit"]
        )
        mine = set(room_ids) if room is None else set(await self._store.room_ids_of(user.id))
        return [(hit, hit.room.id in mine) for hit in hits], more

    async def _room(self, user: User, room_id: int | None, room_name: str | None) -> Room | None:
        named = None
        if room_name is not None:
            named = await self._store.room_by_name(room_name)
            if named is None or named.kind != "room":
                raise errors.room_not_found()
            if room_id is not None and room_id != named.id:
                raise errors.ApiError(400, "invalid_query", "room_id and in: name different rooms.")
            room_id = named.id
        if room_id is None:
            return None
        room, _ = await self._rooms.visible_room(user, room_id)
        return room

    async def _author(self, username: str | None, typed: str | None) -> int | None:
        if username is not None and typed is not None and username.lower() != typed.lower():
            raise errors.ApiError(400, "invalid_query", "from and from: name different users.")
        name = typed if typed is not None else username
        if name is None:
            return None
        account = await self._store.account_by_name(name)
        if account is None:
            raise errors.user_not_found()
        return account.id
