"""What a file's bytes are, and the thumbnails of images: sniffing, header-only image sizes, and Pillow.

Policy:
- The type of a file is read from its first bytes (magic numbers), never taken from the client. Anything not
  recognised is application/octet-stream. SVG and HTML are never recognised as anything but that.
- An image's pixel count is read from its header by the parser below, before Pillow sees the file: one over
  MAX_PIXELS is never decoded (a decompression bomb stays a plain file, without a thumbnail). MAX_PIXELS is
  below Pillow's own warning limit, so Pillow never needs its module-wide setting changed.
- Everything here is blocking (disk, decoding): `analyse` runs in a worker thread (actions/files.py).
- Thumbnails: the first frame, EXIF orientation applied, at most THUMBNAIL_PX on each side, saved without any
  metadata (EXIF, GPS, text chunks): JPEG, or PNG where the image has transparency.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

# 40 megapixels: a 48 MP phone photo decodes with JPEG draft mode at a fraction of it; a 40 MP PNG is ~160 MB
# decoded, the most one thumbnail may hold. Below Pillow's 89 MP warning limit.
MAX_PIXELS = 40_000_000
# Longest side of a thumbnail: sharp at 160 CSS px on a 2x screen.
THUMBNAIL_PX = 320
# Bytes of a file's start that sniffing looks at.
SNIFF_BYTES = 16

# Image types shown inline (when decoded): their Pillow format names.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


def sniff(head: bytes) -> str:
    """The content type the first bytes say (SVG, HTML and text are all application/octet-stream)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "application/zip"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    return "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the server learned of an image: its displayed size and a thumbnail (None when not decoded)."""

    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def analyse(path: Path, content_type: str) -> Analysis:
    """Size and thumbnail of an image file; an empty Analysis for anything else, a bomb or an unreadable image."""
    fmt = IMAGE_FORMATS.get(content_type)
    if fmt is None:
        return Analysis()
    with path.open("rb") as f:
        size = header_size(f, content_type)
    if size is None or size[0] <= 0 or size[1] <= 0 or size[0] * size[1] > MAX_PIXELS:
        return Analysis()
    try:
        return _thumbnail(path, fmt)
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError, Image.DecompressionBombError, EOFError):
        return Analysis()


def _thumbnail(path: Path, fmt: str) -> Analysis:
    with Image.open(path, formats=[fmt]) as im:
        if im.width * im.height > MAX_PIXELS:  # Pillow read another size than the header parser: trust neither
            return Analysis()
        width, height = im.size
        orientation = im.getexif().get(0x0112, 1)
        if fmt == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale: a large photo never decodes at full size
            im.draft("RGB", (THUMBNAIL_PX * 2, THUMBNAIL_PX * 2))
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        frame = ImageOps.exif_transpose(im)
        frame.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        alpha = frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info)
        out = io.BytesIO()
        if alpha:
            frame.convert("RGBA").save(out, "PNG", optimize=True)
        else:
            frame.convert("RGB").save(out, "JPEG", quality=82)
        return Analysis(width, height, out.getvalue())


def header_size(f: BinaryIO, content_type: str) -> tuple[int, int] | None:
    """(width, height) from the image's header alone, without decoding; None when it cannot be read."""
    try:
        if content_type == "image/png":
            head = f.read(24)
            return struct.unpack(">II", head[16:24]) if head[12:16] == b"IHDR" else None
        if content_type == "image/gif":
            head = f.read(10)
            return struct.unpack("<HH", head[6:10]) if len(head) == 10 else None
        if content_type == "image/webp":
            return _webp_size(f.read(30))
        if content_type == "image/jpeg":
            return _jpeg_size(f)
    except struct.error:
        return None
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X":
        w = int.from_bytes(head[24:27], "little") + 1
        h = int.from_bytes(head[27:30], "little") + 1
        return w, h
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    return None


# JPEG start-of-frame markers (every SOFn but DHT C4, JPG C8 and DAC CC): they carry the size.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(f: BinaryIO) -> tuple[int, int] | None:
    """The largest size any start-of-frame claims (a file may hold several: trust the biggest)."""
    f.seek(2)
    best: tuple[int, int] | None = None
    while True:
        byte = f.read(1)
        while byte == b"\xff":
            byte = f.read(1)
        if not byte:
            return best
        marker = byte[0]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        if marker == 0xD9:
            return best
        length_bytes = f.read(2)
        if len(length_bytes) < 2:
            return best
        length = struct.unpack(">H", length_bytes)[0]
        if marker in _SOF:
            data = f.read(5)
            if len(data) < 5:
                return best
            h, w = struct.unpack(">HH", data[1:5])
            if best is None or w * h > best[0] * best[1]:
                best = (w, h)
            f.seek(length - 7, io.SEEK_CUR)
        elif marker == 0xDA:
            return best  # entropy-coded data follows; every SOF comes before the first scan
        else:
            f.seek(length - 2, io.SEEK_CUR)
