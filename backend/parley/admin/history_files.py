"""The files of `parley export | import | purge` (history.py does the messages).

Policy:
- export names each message's files on its line: `"files": [{"name", "size", "content_type", "path"}]`, where
  `path` is the blob's path under FILES_DIR (`ab/cd/<key>`). The bytes stay where they are: copy FILES_DIR (or
  just the named paths) along with the export.
- import reads them from `--files DIR` (that copy). Every path is checked before anything is stored: it must be
  a blob path as this server writes them (no `..`, no absolute path, nothing outside DIR) and name an existing
  file. Each file is copied in under a new random key; its type is sniffed again and its thumbnail made again,
  never taken from the export. A message already present is skipped with its files.
- purge deletes the bytes of the messages' files after their rows are gone, and the uploads left unsent for
  UNSENT_MAX_MS.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from marshmallow import Schema, fields, validate

from parley.actions import images
from parley.actions.files import NAME_MAX, clean_name
from parley.admin.tools import Context
from parley.errors import CliError
from parley.models import File, Message
from parley.store.blobs import Blobs

# Uploads nobody sent within a day are abandoned (a closed tab, a failed send): purge deletes them.
UNSENT_MAX_MS = 86_400_000
_BLOB_PATH = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$")


def blobs_of(ctx: Context) -> Blobs:
    settings = ctx.settings
    return Blobs(settings.files_dir, shared_with_proxy=settings.files_accel_redirect is not None)


def file_records(m: Message, blobs: Blobs) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "size": f.size, "content_type": f.content_type, "path": blobs.relative_path(f.key)}
        for f in m.files
    ]


class FileRef(Schema):
    name = fields.String(required=True, validate=validate.Length(max=NAME_MAX * 4))
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    content_type = fields.String(load_default="application/octet-stream", validate=validate.Length(max=100))
    path = fields.String(required=True, validate=validate.Regexp(_BLOB_PATH, error="not a Parley file path"))


def check_sources(refs: list[dict[str, Any]], source: Path | None, where: str) -> None:
    """Every file a line names is there to import (before anything is stored)."""
    if not refs:
        return
    if source is None:
        raise CliError(f"{where}: the export names files: pass --files DIR (a copy of the exporting FILES_DIR)")
    for ref in refs:
        if not (source / ref["path"]).is_file():
            raise CliError(f"{where}: file {ref['path']} is not in {source}; nothing was imported")


async def import_files(ctx: Context, blobs: Blobs, message: Message, refs: list[dict[str, Any]], source: Path) -> None:
    """Copy a newly imported message's files in, each under a new key, and record them as sent with it."""
    for ref in refs:
        key = blobs.new_key()
        size = await blobs.copy_in(key, source / ref["path"])
        head = await asyncio.to_thread(_head, blobs.path(key))
        content_type = images.sniff(head)
        found = await asyncio.to_thread(images.analyse, blobs.path(key), content_type)
        if found.thumbnail is not None:
            await blobs.save_bytes(blobs.thumbnail_key(key), found.thumbnail)
        record = File(
            id=0,
            room_id=message.room_id,
            user_id=message.user_id,
            message_id=message.id,
            name=clean_name(ref["name"]),
            size=size,
            content_type=content_type,
            width=found.width,
            height=found.height,
            thumbnail=found.thumbnail is not None,
            key=key,
            created_at=message.created_at,
        )
        await ctx.store.insert_file(record)


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(images.SNIFF_BYTES)


async def purge_unsent(ctx: Context, blobs: Blobs, room_id: int | None) -> int:
    """Delete uploads left unsent for UNSENT_MAX_MS (of one room, or all); return how many."""
    cutoff = ctx.clock.now_ms() - UNSENT_MAX_MS
    gone = 0
    while True:
        found = await ctx.store.unsent_files_before(cutoff, room_id)
        if not found:
            return gone
        await ctx.store.delete_files([f.id for f in found])
        await blobs.delete(k for f in found for k in (f.key, blobs.thumbnail_key(f.key)))
        gone += len(found)
