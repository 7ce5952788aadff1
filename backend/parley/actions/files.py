"""The rules of files: who may upload (a member of a writable room, within the size limit, the daily quota and the
REST write budget), what is stored (the bytes under a random key, a sanitized name, the type sniffed from the
bytes, a thumbnail for an image), and who may fetch one (docs/protocol.md "Files").

A file nobody may see answers `file_not_found`, exactly as a file that does not exist: ids reveal nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable

from parley import errors
from parley.actions import images, names
from parley.actions.rooms import Rooms
from parley.clock import Clock
from parley.models import File, User
from parley.settings import Settings
from parley.store import NotFound, QuotaExceeded, Store
from parley.store.blobs import Blobs

# The quota's window: bytes uploaded in any 24 hours.
QUOTA_WINDOW_MS = 86_400_000
# Bytes a multipart body may carry beyond the file itself (boundaries, part headers) before its Content-Length
# alone proves the file too large.
MULTIPART_SLACK_BYTES = 65_536
# Longest stored file name, in characters (a file system's usual limit is 255 bytes; names are shown, not used).
NAME_MAX = 255
# Thumbnails made at once by this process: each holds a core and up to ~160 MB while it decodes.
THUMBNAILS_AT_ONCE = 2


def file_not_found() -> errors.ApiError:
    return errors.ApiError(404, "file_not_found", "No such file.")


def file_too_large(max_bytes: int) -> errors.ApiError:
    return errors.ApiError(413, "file_too_large", f"Files may be at most {max_bytes // 2**20} MB.", max_bytes=max_bytes)


def quota_exceeded(quota_bytes: int) -> errors.ApiError:
    return errors.ApiError(
        429,
        "upload_quota_exceeded",
        f"You uploaded {quota_bytes // 2**20} MB in the last 24 hours: try again later.",
        quota_bytes=quota_bytes,
    )


def clean_name(raw: str) -> str:
    """The name a file is shown with: the last path component of what the client sent, as plain one-line text.

    `../../etc/passwd` is `passwd`, `C:\\Users\\me\\a.txt` is `a.txt`; control and bidi characters go, and so do
    leading dots and spaces (no hidden files, no `..`); an empty result is `file`."""
    text = raw.encode("utf-8", "replace").decode("utf-8")
    base = text.replace("\\", "/").rsplit("/", 1)[-1]
    base = names.clean_text(base).replace("\t", " ").replace("\n", " ").replace("\r", " ")
    base = base.strip().lstrip(". ").strip()
    return base[:NAME_MAX].rstrip() or "file"


def disposition(f: File) -> str:
    """inline only for an image the server decoded (its thumbnail proves it); attachment for everything else."""
    return "inline" if f.thumbnail and f.content_type in images.IMAGE_FORMATS else "attachment"


class Files:
    def __init__(self, *, store: Store, blobs: Blobs, rooms: Rooms, clock: Clock, settings: Settings) -> None:
        self._store = store
        self.blobs = blobs
        self._rooms = rooms
        self._clock = clock
        self._settings = settings
        self._decoding = asyncio.Semaphore(THUMBNAILS_AT_ONCE)

    # -- upload -----------------------------------------------------------------------------------------------

    async def check_upload(self, user: User, room_id: int, content_length: int | None) -> None:
        """Everything that can be refused before the body is read: the room, the budget, the announced size and
        the quota by it."""
        room, member = await self._rooms.visible_room(user, room_id)
        if not member:
            raise errors.not_a_member()
        if room.archived:
            raise errors.room_archived()
        await self._rooms.check_write(user)
        max_bytes = self._settings.max_upload_bytes
        if content_length is not None:
            if content_length > max_bytes + MULTIPART_SLACK_BYTES:
                raise file_too_large(max_bytes)
            used = await self._store.uploaded_since(user.id, self._clock.now_ms() - QUOTA_WINDOW_MS)
            if used + min(content_length, max_bytes) > self._settings.upload_quota_bytes:
                raise quota_exceeded(self._settings.upload_quota_bytes)

    async def upload(self, user: User, room_id: int, filename: str, chunks: AsyncIterable[bytes]) -> File:
        """Store the bytes (counted as they come: over the limit, nothing stays), then the row, under the quota."""
        key = self.blobs.new_key()
        head = bytearray()
        size = await self.blobs.save(key, self._counted(chunks, head))
        content_type = images.sniff(bytes(head))
        async with self._decoding:
            found = await asyncio.to_thread(images.analyse, self.blobs.path(key), content_type)
        stored = [key]
        try:
            if found.thumbnail is not None:
                stored.append(self.blobs.thumbnail_key(key))
                await self.blobs.save_bytes(stored[-1], found.thumbnail)
            now_ms = self._clock.now_ms()
            record = File(
                id=0,
                room_id=room_id,
                user_id=user.id,
                message_id=None,
                name=clean_name(filename),
                size=size,
                content_type=content_type,
                width=found.width,
                height=found.height,
                thumbnail=found.thumbnail is not None,
                key=key,
                created_at=now_ms,
            )
            quota = (self._settings.upload_quota_bytes, now_ms - QUOTA_WINDOW_MS)
            return await self._store.insert_file(record, quota=quota)
        except BaseException as exc:
            await self.blobs.delete(stored)
            if isinstance(exc, QuotaExceeded):
                raise quota_exceeded(self._settings.upload_quota_bytes) from None
            if isinstance(exc, NotFound):
                raise errors.room_not_found() from None
            raise

    async def _counted(self, chunks: AsyncIterable[bytes], head: bytearray) -> AsyncIterator[bytes]:
        """The chunks, refused with file_too_large as soon as they pass the limit; the first bytes kept in `head`."""
        max_bytes, total = self._settings.max_upload_bytes, 0
        async for chunk in chunks:
            total += len(chunk)
            if total > max_bytes:
                raise file_too_large(max_bytes)
            if len(head) < images.SNIFF_BYTES:
                head.extend(chunk[: images.SNIFF_BYTES - len(head)])
            yield chunk

    # -- download -----------------------------------------------------------------------------------------------

    async def readable(self, user: User, file_id: int) -> File:
        """The file, if this user may fetch it: an unsent one by its uploader only, a sent one by whoever can read
        its room's history. Anything else is file_not_found."""
        found = await self._store.file(file_id)
        if found is None:
            raise file_not_found()
        if found.message_id is None:
            if found.user_id != user.id:
                raise file_not_found()
            return found
        try:
            await self._rooms.visible_room(user, found.room_id)
        except errors.ApiError:
            raise file_not_found() from None
        return found

    # -- deletion -------------------------------------------------------------------------------------------------

    async def forget(self, keys: Iterable[str]) -> None:
        """Delete the bytes of files whose rows are gone (a deleted or purged message's)."""
        await self.blobs.delete(keys)
