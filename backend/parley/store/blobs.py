"""Where the bytes of uploaded files live: one small interface, and its one implementation, a local directory.

Policy:
- A blob is named by a random key (128 bits, hex), never by anything the user sent; on disk it sits at
  `FILES_DIR/ab/cd/<key>` (sharded by the key's first four characters, so no directory grows past 65,536
  entries per level). Several app hosts share one FILES_DIR on a shared volume (docs/deployment.md).
- A blob is written to `<key>.part-<random>` beside its final place and renamed there only when complete, so a
  blob that exists is whole; whatever goes wrong while writing (a refused size, a dropped connection) removes
  the part file.
- File I/O runs in worker threads: the event loop never waits on the disk.
- Files are the owner's alone (0600, directories 0700), unless nginx serves them (FILES_ACCEL_REDIRECT): then
  its workers must read them, 0644 and 0755 (the keys are unguessable; keep FILES_DIR's parent closed).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
from collections.abc import AsyncIterable, Iterable
from pathlib import Path
from typing import BinaryIO

_KEY = re.compile(r"^[0-9a-f]{32}(?:-thumb)?$")


class BadKey(ValueError):
    """Not a key this store makes: never turned into a path."""


class Blobs:
    """A local directory of blobs (the interface other stores would implement: new_key, save, save_bytes,
    copy_in, path, relative_path, delete)."""

    def __init__(self, root: Path, *, shared_with_proxy: bool = False) -> None:
        self.root = root
        self._file_mode = 0o644 if shared_with_proxy else 0o600
        self._dir_mode = 0o755 if shared_with_proxy else 0o700

    @staticmethod
    def new_key() -> str:
        return secrets.token_hex(16)

    @staticmethod
    def thumbnail_key(key: str) -> str:
        return key + "-thumb"

    def relative_path(self, key: str) -> str:
        """`ab/cd/<key>`: the blob's path under the root (what X-Accel-Redirect names after its prefix)."""
        if not _KEY.fullmatch(key):
            raise BadKey(key)
        return f"{key[:2]}/{key[2:4]}/{key}"

    def path(self, key: str) -> Path:
        return self.root / self.relative_path(key)

    async def save(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        """Write the chunks as the blob `key`; return its size. On any exception nothing of it stays."""
        final = self.path(key)
        part, handle = await asyncio.to_thread(self._open_part, final)
        size = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(self._finish, handle, part, final)
        except BaseException:
            await asyncio.to_thread(self._abandon, handle, part)
            raise
        return size

    async def save_bytes(self, key: str, data: bytes) -> None:
        async def one() -> AsyncIterable[bytes]:
            yield data

        await self.save(key, one())

    async def copy_in(self, key: str, source: Path) -> int:
        """Copy an outside file (an import's) in as the blob `key`; return its size."""
        final = self.path(key)

        def copy() -> int:
            part, handle = self._open_part(final)
            try:
                with source.open("rb") as src:
                    shutil.copyfileobj(src, handle, 1 << 20)
                self._finish(handle, part, final)
            except BaseException:
                self._abandon(handle, part)
                raise
            return final.stat().st_size

        return await asyncio.to_thread(copy)

    async def delete(self, keys: Iterable[str]) -> None:
        """Remove blobs (a missing one is fine: it is what was asked)."""
        paths = [self.path(k) for k in keys]
        if paths:
            await asyncio.to_thread(self._unlink_all, paths)

    # -- in a worker thread ---------------------------------------------------------------------------------

    def _open_part(self, final: Path) -> tuple[Path, BinaryIO]:
        for directory in (final.parent.parent, final.parent):
            try:
                directory.mkdir(mode=self._dir_mode, parents=True)
                os.chmod(directory, self._dir_mode)  # mkdir's mode passes through the umask
            except FileExistsError:
                pass
        part = final.with_name(f"{final.name}.part-{secrets.token_hex(4)}")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, self._file_mode)
        os.fchmod(fd, self._file_mode)
        return part, os.fdopen(fd, "wb")

    @staticmethod
    def _finish(handle: BinaryIO, part: Path, final: Path) -> None:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(part, final)

    @staticmethod
    def _abandon(handle: BinaryIO, part: Path) -> None:
        handle.close()
        part.unlink(missing_ok=True)

    @staticmethod
    def _unlink_all(paths: list[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)
