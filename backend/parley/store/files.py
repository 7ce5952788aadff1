"""The store's queries for uploaded files (the bytes are in blobs.py; these are the rows that describe them).

Policy:
- A file row is made when its upload is complete, under a lock on the uploader's row, after summing what they
  uploaded in the quota's window: concurrent uploads cannot together pass the daily quota.
- A file is sent once: `attach_files` sets message_id in the send's own transaction, only on the sender's own
  unsent files of that room, and refuses the whole send (FileNotAttachable, so the transaction rolls back)
  naming the first id that is not such a file.
- Deleting or purging a message deletes its files' rows (ON DELETE CASCADE for purge; explicitly for a
  tombstone); the callers are told the blob keys that were dropped and delete the bytes after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..models import File, Message
from .core import Database, NotFound, QuotaExceeded, Row, StoreError, Tx

FILE_COLUMNS = (
    "f.id, f.room_id, f.user_id, f.message_id, f.name, f.size, f.content_type, f.width, f.height, f.thumbnail,"
    " f.storage_key, f.created_at"
)
# Ids per IN (...) list, as for reactions.
_CHUNK = 500


class FileNotAttachable(StoreError):
    """A message.send named a file that is not the sender's own unsent upload to that room."""

    def __init__(self, file_id: int) -> None:
        super().__init__(f"file {file_id} cannot be attached")
        self.file_id = file_id


def file_from_row(row: Row) -> File:
    return File(
        id=int(row[0]),
        room_id=int(row[1]),
        user_id=int(row[2]),
        message_id=None if row[3] is None else int(row[3]),
        name=row[4],
        size=int(row[5]),
        content_type=row[6],
        width=None if row[7] is None else int(row[7]),
        height=None if row[8] is None else int(row[8]),
        thumbnail=bool(row[9]),
        key=row[10],
        created_at=int(row[11]),
    )


def blob_keys(files: Iterable[File], thumbnail_key: str = "-thumb") -> list[str]:
    """Every blob a set of files holds: each file's bytes and, where it has one, its thumbnail."""
    keys = []
    for f in files:
        keys.append(f.key)
        if f.thumbnail:
            keys.append(f.key + thumbnail_key)
    return keys


class FileQueries(Database):
    async def insert_file(self, file: File, *, quota: tuple[int, int] | None = None) -> File:
        """Store a complete upload's row (its id is ignored; message_id is None but for an import); return it with
        its id.

        With `quota` (most bytes, since_ms): QuotaExceeded if the uploader's files created since `since_ms` and
        this one would pass `most` bytes, counted under a lock on the uploader's row. NotFound if the room or
        user is gone.
        """
        async with self.transaction() as tx:
            user = await tx.fetchone("SELECT id FROM users WHERE id = %s" + self.for_update, (file.user_id,))
            if user is None:
                raise NotFound("user")
            if quota is not None:
                used, oldest = await self._uploaded_since(tx, file.user_id, quota[1])
                if used + file.size > quota[0]:
                    raise QuotaExceeded(oldest if oldest is not None else file.created_at)
            if await tx.fetchone("SELECT id FROM rooms WHERE id = %s", (file.room_id,)) is None:
                raise NotFound("room")
            file_id = await tx.insert(
                "INSERT INTO files (room_id, user_id, message_id, name, size, content_type, width, height, thumbnail,"
                " storage_key, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    file.room_id,
                    file.user_id,
                    file.message_id,
                    file.name,
                    file.size,
                    file.content_type,
                    file.width,
                    file.height,
                    int(file.thumbnail),
                    file.key,
                    file.created_at,
                ),
            )
        return replace(file, id=file_id)

    async def uploaded_since(self, user_id: int, since_ms: int) -> int:
        """Bytes of the user's files created since `since_ms` (and not deleted since)."""
        async with self.read() as tx:
            return (await self._uploaded_since(tx, user_id, since_ms))[0]

    @staticmethod
    async def _uploaded_since(tx: Tx, user_id: int, since_ms: int) -> tuple[int, int | None]:
        row = await tx.fetchone(
            "SELECT COALESCE(SUM(size), 0), MIN(created_at) FROM files WHERE user_id = %s AND created_at >= %s",
            (user_id, since_ms),
        )
        if row is None:
            return 0, None
        return int(row[0]), None if row[1] is None else int(row[1])

    async def file(self, file_id: int) -> File | None:
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT {FILE_COLUMNS} FROM files f WHERE f.id = %s", (file_id,))
        return None if row is None else file_from_row(row)

    async def unsent_files_before(self, cutoff_ms: int, room_id: int | None = None, limit: int = 1000) -> list[File]:
        """Uploads never sent, made before the cut-off (of one room, or all), oldest first."""
        in_room = "" if room_id is None else " AND f.room_id = %s"
        args = (cutoff_ms,) if room_id is None else (cutoff_ms, room_id)
        async with self.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {FILE_COLUMNS} FROM files f WHERE f.message_id IS NULL AND f.created_at < %s{in_room}"
                " ORDER BY f.id LIMIT %s",
                (*args, limit),
            )
        return [file_from_row(r) for r in rows]

    async def delete_files(self, file_ids: Sequence[int]) -> int:
        if not file_ids:
            return 0
        async with self.transaction() as tx:
            marks = ", ".join(["%s"] * len(file_ids))
            return await tx.execute(f"DELETE FROM files WHERE id IN ({marks})", tuple(file_ids))

    async def attach_files(
        self, tx: Tx, message_id: int, room_id: int, user_id: int, file_ids: Sequence[int]
    ) -> tuple[File, ...]:
        """Give the files to the message, in the order named; FileNotAttachable names the first that cannot be."""
        if not file_ids:
            return ()
        marks = ", ".join(["%s"] * len(file_ids))
        rows = await tx.fetchall(
            f"SELECT {FILE_COLUMNS} FROM files f WHERE f.id IN ({marks}) AND f.user_id = %s AND f.room_id = %s"
            " AND f.message_id IS NULL" + self.for_update,
            (*file_ids, user_id, room_id),
        )
        found = {int(r[0]): file_from_row(r) for r in rows}
        for file_id in file_ids:
            if file_id not in found:
                raise FileNotAttachable(file_id)
        changed = await tx.execute(
            f"UPDATE files SET message_id = %s WHERE id IN ({marks}) AND message_id IS NULL",
            (message_id, *file_ids),
        )
        if changed != len(file_ids):  # another send took one between the read and the write
            raise FileNotAttachable(file_ids[0])
        return tuple(replace(found[i], message_id=message_id) for i in file_ids)

    async def with_files(self, tx: Tx, messages: list[Message]) -> list[Message]:
        """Each message with its files, in the order they were attached (by id within one message)."""
        ids = [m.id for m in messages if not m.deleted]
        found: dict[int, list[File]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            rows = await tx.fetchall(
                f"SELECT {FILE_COLUMNS} FROM files f WHERE f.message_id IN ({marks}) ORDER BY f.id", tuple(chunk)
            )
            for row in rows:
                f = file_from_row(row)
                found.setdefault(int(row[3]), []).append(f)
        if not found:
            return messages
        return [replace(m, files=tuple(found[m.id])) if m.id in found else m for m in messages]

    async def message_file_keys(self, tx: Tx, message_ids: Sequence[int]) -> list[str]:
        """The blob keys of the messages' files (read before the messages go)."""
        keys: list[str] = []
        for start in range(0, len(message_ids), _CHUNK):
            chunk = message_ids[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            rows = await tx.fetchall(
                f"SELECT {FILE_COLUMNS} FROM files f WHERE f.message_id IN ({marks})", tuple(chunk)
            )
            keys.extend(blob_keys(file_from_row(r) for r in rows))
        return keys
