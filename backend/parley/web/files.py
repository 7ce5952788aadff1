"""REST handlers of files: the upload (a multipart body streamed to the blob store, never held whole) and the
downloads (the app checks access, then nginx sends the bytes through X-Accel-Redirect when FILES_ACCEL_REDIRECT
is set, else the app streams them itself). Rules are in actions/files.py; this module only moves bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, unquote

from aiohttp import BodyPartReader, web

from parley import errors, keys
from parley.actions.files import disposition, file_not_found
from parley.actions.images import sniff
from parley.live import wire
from parley.web.rest import _room_id

routes = web.RouteTableDef()

# Bytes read from the socket per step of an upload: what one worker-thread write takes.
CHUNK_BYTES = 256 * 1024
# A client that sends nothing of its upload for this long is cut off (a slow link still sends something).
CHUNK_TIMEOUT_S = 30.0
# Files never change under an id: the browser may keep them; private, so no shared cache does.
CACHE_CONTROL = "private, max-age=86400"
# A file is never a page: no script runs in it even if a browser renders it, and it frames nothing.
FILE_CSP = "default-src 'none'; sandbox"


def invalid_upload(message: str) -> errors.ApiError:
    return errors.ApiError(400, "invalid_upload", message)


def _file_id(request: web.Request) -> int:
    try:
        file_id = int(request.match_info["file_id"])
    except ValueError:
        raise file_not_found() from None
    if not 1 <= file_id < 2**63:
        raise file_not_found()
    return file_id


@routes.post("/api/rooms/{room_id}/files")
async def upload(request: web.Request) -> web.Response:
    user, room_id, files = request[keys.USER], _room_id(request), request.app[keys.FILES]
    await files.check_upload(user, room_id, request.content_length)
    if not request.content_type.startswith("multipart/"):
        raise invalid_upload("Send the file as multipart/form-data, in a part named file.")
    try:
        reader = await request.multipart()
        part = await reader.next()
    except (ValueError, AssertionError, RuntimeError):
        raise invalid_upload("The multipart body cannot be read.") from None
    if not isinstance(part, BodyPartReader) or part.name != "file":
        raise invalid_upload("The first part must be the file, named file.")
    # Clients percent-encode what a quoted header value cannot hold (aiohttp all of it, browsers " CR LF).
    stored = await files.upload(user, room_id, unquote(part.filename or ""), _chunks(part))
    return web.json_response({"file": wire.file(stored)}, status=201)


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while True:
        try:
            async with asyncio.timeout(CHUNK_TIMEOUT_S):
                chunk = await part.read_chunk(CHUNK_BYTES)
        except TimeoutError:
            raise errors.ApiError(408, "request_timeout", "The upload stalled.") from None
        except ValueError:
            raise invalid_upload("The multipart body cannot be read.") from None
        if not chunk:
            return
        yield chunk


@routes.get("/api/files/{file_id}")
async def download(request: web.Request) -> web.StreamResponse:
    found = await request.app[keys.FILES].readable(request[keys.USER], _file_id(request))
    kind = disposition(found)
    return _serve(request, found.key, found.content_type, f"{kind}; filename*=UTF-8''{quote(found.name, safe='')}")


@routes.get("/api/files/{file_id}/thumbnail")
async def thumbnail(request: web.Request) -> web.StreamResponse:
    files = request.app[keys.FILES]
    found = await files.readable(request[keys.USER], _file_id(request))
    if not found.thumbnail:
        raise file_not_found()
    key = files.blobs.thumbnail_key(found.key)
    head = await asyncio.to_thread(_head, files.blobs.path(key))
    name = quote(f"thumbnail-{found.name}", safe="")
    return _serve(request, key, sniff(head), f"inline; filename*=UTF-8''{name}")


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(16)


def _serve(request: web.Request, key: str, content_type: str, content_disposition: str) -> web.StreamResponse:
    blobs, accel = request.app[keys.FILES].blobs, request.app[keys.SETTINGS].files_accel_redirect
    headers = {
        "Content-Type": content_type,
        "Content-Disposition": content_disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FILE_CSP,
        "Cache-Control": CACHE_CONTROL,
    }
    if accel is not None:
        # nginx sends the bytes from its internal location (nginx.conf); it keeps these headers.
        headers["X-Accel-Redirect"] = accel + blobs.relative_path(key)
        return web.Response(status=200, headers=headers)
    return web.FileResponse(blobs.path(key), chunk_size=CHUNK_BYTES, headers=headers)
