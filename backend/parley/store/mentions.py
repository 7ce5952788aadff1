"""Mentions: the members a message's `@names` can resolve to, and the message_mentions rows stored with a message
(one per mentioned user, never the author), which give Message its `mentions` list and the mention counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..models import Message
from .core import Database, Tx


class MentionQueries(Database):
    async def members_named(self, room_id: int, keys: Iterable[str]) -> dict[str, int]:
        """{username_key: user id} of the room's members among the given lowercase names."""
        names = sorted(set(keys))
        if not names:
            return {}
        marks = ", ".join(["%s"] * len(names))
        async with self.read() as tx:
            rows = await tx.fetchall(
                "SELECT u.username_key, u.id FROM room_members m JOIN users u ON u.id = m.user_id"
                f" WHERE m.room_id = %s AND u.username_key IN ({marks})",
                (room_id, *names),
            )
        return {r[0]: int(r[1]) for r in rows}

    async def member_ids(self, room_id: int, limit: int) -> list[int]:
        """Up to `limit` of the room's member ids, ascending."""
        async with self.read() as tx:
            rows = await tx.fetchall(
                "SELECT user_id FROM room_members WHERE room_id = %s ORDER BY user_id LIMIT %s", (room_id, limit)
            )
        return [int(r[0]) for r in rows]

    async def insert_mentions(self, tx: Tx, message_id: int, room_id: int, seq: int, user_ids: Sequence[int]) -> None:
        """Inside the transaction that stores the message, so it is never seen without them."""
        for user_id in user_ids:
            await tx.execute(
                "INSERT INTO message_mentions (user_id, room_id, seq, message_id) VALUES (%s, %s, %s, %s)",
                (user_id, room_id, seq, message_id),
            )

    async def with_mentions(self, tx: Tx, messages: list[Message]) -> list[Message]:
        """The messages with their `mentions` filled in: one indexed look-up for the lot."""
        if not messages:
            return messages
        marks = ", ".join(["%s"] * len(messages))
        rows = await tx.fetchall(
            f"SELECT message_id, user_id FROM message_mentions WHERE message_id IN ({marks})"
            " ORDER BY message_id, user_id",
            [m.id for m in messages],
        )
        if not rows:
            return messages
        found: dict[int, list[int]] = {}
        for message_id, user_id in rows:
            found.setdefault(int(message_id), []).append(int(user_id))
        return [replace(m, mentions=tuple(found[m.id])) if m.id in found else m for m in messages]
