"""Read state: each member's read marker and mute setting (columns of room_members), and the unread and mention
counts of a user's rooms.

Counts cost a few statements for all of a user's rooms together, whatever their number: one for the rooms with their
markers, then one per 100 rooms for unread counts and one per 100 for mention counts (sent together, as one batch),
each part a range of an index
(messages (room_id, seq, user_id, deleted): tombstones are not unread; message_mentions (user_id, room_id, seq))
from the marker to the room's last_seq as read by the first statement, so a message committed meanwhile is not
counted here and also delivered live. Rooms read to the end cost nothing beyond the first statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..models import Room
from .core import ROOM_COLUMNS, Args, Database, Row, Tx, room_from_row, session_key

# UNION ALL arms per statement: SQLite allows at most 500 in one compound SELECT.
_ARMS_MAX = 100


class ReadQueries(Database):
    async def member_rooms(
        self, user_id: int, pending: Mapping[int, int] | None = None, room_id: int | None = None
    ) -> list[Room]:
        """The user's rooms (or the one room, if a member) by name, each with the user's own state.

        `pending` maps room ids to markers not written yet (this process's batch): the later of those and the
        stored ones counts.
        """
        only = "" if room_id is None else " AND m.room_id = %s"
        args = (user_id,) if room_id is None else (user_id, room_id)
        async with self.read() as tx:
            rows = await tx.fetchall(_ROOMS + only + _BY_NAME, args)
            return await _with_counts(tx, user_id, rows, pending or {})

    async def live_session_rooms(
        self, session_id: str, not_before_ms: int, user_id: int, pending: Mapping[int, int] | None = None
    ) -> list[Room] | None:
        """`member_rooms` of the session's user, or None if the session is no longer live (ended, too old, or its
        user disabled): the check a new WebSocket makes once registered, read together with its `hello`'s rooms
        (SQLite: one trip to the reader's thread; issue 14)."""
        async with self.read() as tx:
            live, rows = await tx.fetch_batch(
                [
                    (
                        "SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id"
                        " WHERE s.id = %s AND s.created_at >= %s AND u.disabled = 0 AND u.id = %s",
                        (session_key(session_id), not_before_ms, user_id),
                    ),
                    (_ROOMS + _BY_NAME, (user_id,)),
                ]
            )
            if not live:
                return None
            return await _with_counts(tx, user_id, rows, pending or {})

    async def save_read_markers(self, markers: Sequence[tuple[int, int, int]]) -> int:
        """Move markers forward, (user_id, room_id, seq) each, in one transaction; never back, and never for someone
        who is no longer a member. Rows go in key order, so two processes writing overlapping batches cannot
        deadlock. Returns the number of markers that moved."""
        moved = 0
        async with self.transaction() as tx:
            for user_id, room_id, seq in sorted(markers, key=lambda m: (m[1], m[0])):
                moved += await tx.execute(
                    "UPDATE room_members SET last_read_seq = %s"
                    " WHERE room_id = %s AND user_id = %s AND last_read_seq < %s",
                    (seq, room_id, user_id, seq),
                )
        return moved

    async def set_muted(self, user_id: int, room_id: int, muted: bool) -> bool | None:
        """Set a member's mute; None if they are not a member, else whether it changed."""
        async with self.transaction() as tx:
            row = await tx.fetchone(
                "SELECT muted FROM room_members WHERE room_id = %s AND user_id = %s" + self.for_update,
                (room_id, user_id),
            )
            if row is None:
                return None
            if bool(row[0]) == muted:
                return False
            await tx.execute(
                "UPDATE room_members SET muted = %s WHERE room_id = %s AND user_id = %s", (int(muted), room_id, user_id)
            )
        return True


_ROOMS = (
    f"SELECT {ROOM_COLUMNS}, m.last_read_seq, m.muted FROM room_members m JOIN rooms r ON r.id = m.room_id"
    " WHERE m.user_id = %s"
)
_BY_NAME = " ORDER BY r.name_key"
_UNREAD = (
    "SELECT %s, COUNT(*) FROM messages WHERE room_id = %s AND seq > %s AND seq <= %s AND user_id <> %s AND deleted = 0"
)
_MENTIONS = "SELECT %s, COUNT(*) FROM message_mentions WHERE user_id = %s AND room_id = %s AND seq > %s AND seq <= %s"


async def _with_counts(tx: Tx, user_id: int, rows: list[Row], pending: Mapping[int, int]) -> list[Room]:
    """The rooms of `_ROOMS` rows with the user's marker (stored or pending, whichever is later), unread and
    mention counts: the counting statements go together in one batch."""
    rooms = []
    for row in rows:
        room = room_from_row(row[:-2])
        marker = min(max(int(row[-2]), pending.get(room.id, 0)), room.last_seq)
        rooms.append(replace(room, last_read_seq=marker, muted=bool(row[-1])))
    behind = [(r.id, r.last_read_seq, r.last_seq) for r in rooms if r.last_read_seq < r.last_seq]
    if not behind:
        return rooms
    unread_args = [(rid, rid, after, upto, user_id) for rid, after, upto in behind]
    mention_args = [(rid, user_id, rid, after, upto) for rid, after, upto in behind]
    statements = _unions(_UNREAD, unread_args)
    results = await tx.fetch_batch(statements + _unions(_MENTIONS, mention_args))
    unread = _counted(results[: len(statements)])
    mentions = _counted(results[len(statements) :])
    return [replace(r, unread=unread.get(r.id, 0), mentions=mentions.get(r.id, 0)) for r in rooms]


def _unions(arm: str, args: Sequence[tuple[int, ...]]) -> list[tuple[str, Args]]:
    """`arm` (SELECT room_id, COUNT(*) ...) once per args tuple, as UNION ALL statements of up to _ARMS_MAX arms."""
    statements: list[tuple[str, Args]] = []
    for start in range(0, len(args), _ARMS_MAX):
        chunk = args[start : start + _ARMS_MAX]
        statements.append((" UNION ALL ".join([arm] * len(chunk)), [v for a in chunk for v in a]))
    return statements


def _counted(results: list[list[Row]]) -> dict[int, int]:
    return {int(r[0]): int(r[1]) for rows in results for r in rows}
