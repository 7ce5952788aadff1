"""Files and images over real HTTP and WebSockets, on SQLite and MariaDB (docs/protocol.md "Files"): who may upload
and fetch what, the size limit and the daily quota, what the server makes of hostile bytes and names, and files
travelling with messages (send, history, catch-up, deletion).
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from conftest import Chat, connect

BLOB = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}(-thumb)?$")
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="5"/></svg>'


def png(width: int = 40, height: int = 20, *, orientation: int | None = None, mode: str = "RGB") -> bytes:
    """A PNG; with `orientation`, an EXIF block holding it and a GPS position (which the thumbnail must drop)."""
    image = Image.new(mode, (width, height), "red")
    out = io.BytesIO()
    if orientation is None:
        image.save(out, "PNG")
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        exif[0x010F] = "SpyCam"  # Make
        image.save(out, "PNG", exif=exif.tobytes())
    return out.getvalue()


def jpeg(width: int, height: int, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SpyCam"
    out = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


async def upload(
    client: TestClient[Any, Any],
    room_id: int,
    data: bytes,
    filename: str = "a.bin",
    content_type: str = "application/octet-stream",
) -> aiohttp.ClientResponse:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=filename, content_type=content_type)
    return await client.post(f"/api/rooms/{room_id}/files", data=form)


async def uploaded(client: TestClient[Any, Any], room_id: int, data: bytes, **kwargs: Any) -> dict[str, Any]:
    resp = await upload(client, room_id, data, **kwargs)
    assert resp.status == 201, await resp.text()
    file: dict[str, Any] = (await resp.json())["file"]
    return file


async def room(client: TestClient[Any, Any], name: str, *, private: bool = True) -> int:
    resp = await client.post("/api/rooms", json={"name": name, "private": private})
    assert resp.status == 201, await resp.text()
    room_id: int = (await resp.json())["room"]["id"]
    return room_id


async def send(
    ws: aiohttp.ClientWebSocketResponse, room_id: int, client_id: str, file_ids: list[int], body: str = ""
) -> dict[str, Any]:
    """Send a message with files; its ack."""
    frame = {"type": "message.send", "room_id": room_id, "body": body, "client_id": client_id, "file_ids": file_ids}
    await ws.send_json(frame)
    ack = await next_of(ws, "message.ack", "error")
    assert ack["type"] == "message.ack", ack
    return ack


async def next_of(ws: aiohttp.ClientWebSocketResponse, *kinds: str) -> dict[str, Any]:
    while True:
        msg = await asyncio.wait_for(ws.receive(), 5)
        frame: dict[str, Any] = msg.json()
        if frame["type"] in kinds:
            return frame


def blobs(files_dir: Path) -> list[str]:
    """Every file under FILES_DIR, relative: blobs only, and no part file left behind."""
    if not files_dir.exists():
        return []
    return sorted(str(p.relative_to(files_dir)) for p in files_dir.rglob("*") if p.is_file())


async def setup(
    chat: Chat, tmp_path: Path, **overrides: Any
) -> tuple[TestServer, Path, dict[str, TestClient[Any, Any]], int]:
    """A server whose FILES_DIR is this test's own; alice made a private room with bob in it (carol is not)."""
    files_dir = tmp_path / "files"
    server = await chat.server(files_dir=files_dir, **overrides)
    users = {name: await chat.user(server, name) for name in ("alice", "bob", "carol")}
    room_id = await room(users["alice"], "secret")
    resp = await users["alice"].post(f"/api/rooms/{room_id}/members", json={"username": "bob"})
    assert resp.status == 200
    return server, files_dir, users, room_id


async def test_the_access_matrix_of_a_file(chat: Chat, tmp_path: Path) -> None:
    """Unsent: its uploader only. Sent: members (and only while they are); outsiders 404, anonymous 401."""
    server, _files_dir, users, room_id = await setup(chat, tmp_path)
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    anonymous = await chat.client(server)
    data = b"%PDF-1.4 quarterly numbers"
    file = await uploaded(alice, room_id, data, filename="report.pdf", content_type="application/pdf")
    assert file == {
        "id": file["id"],
        "name": "report.pdf",
        "size": len(data),
        "content_type": "application/pdf",
        "thumbnail": False,
    }
    url = f"/api/files/{file['id']}"
    assert (await alice.get(url)).status == 200
    for outsider in (bob, carol):  # bob is a member, but the file is not sent yet
        resp = await outsider.get(url)
        assert resp.status == 404 and (await resp.json())["error"]["code"] == "file_not_found"
    assert (await anonymous.get(url)).status == 401

    ws, _ = await connect(alice)
    ack = await send(ws, room_id, "c1", [file["id"]], body="see attached")
    assert ack["message"]["files"] == [file]
    resp = await bob.get(url)
    assert resp.status == 200 and await resp.read() == data
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"] == "attachment; filename*=UTF-8''report.pdf"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert (await carol.get(url)).status == 404
    assert (await anonymous.get(url)).status == 401
    assert (await anonymous.get(url + "/thumbnail")).status == 401
    # Ids that do not exist answer like files one may not see.
    assert (await bob.get("/api/files/999999")).status == 404
    assert (await bob.get("/api/files/x")).status == 404
    assert (await bob.post(f"/api/rooms/{room_id}/leave")).status == 204
    assert (await bob.get(url)).status == 404
    await ws.close()


async def test_upload_is_for_members_of_a_writable_room(chat: Chat, tmp_path: Path) -> None:
    server, files_dir, users, room_id = await setup(chat, tmp_path)
    carol = users["carol"]
    public = await room(users["alice"], "lobby", private=False)
    resp = await upload(carol, room_id, b"x")
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "room_not_found"
    resp = await upload(carol, public, b"x")
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "not_a_member"
    resp = await upload(await chat.client(server), public, b"x")
    assert resp.status == 401
    resp = await users["alice"].post(f"/api/rooms/{room_id}/files", json={"file": "x"})
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_upload"
    form = aiohttp.FormData()
    form.add_field("other", b"x", filename="a")
    resp = await users["alice"].post(f"/api/rooms/{room_id}/files", data=form)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_upload"
    assert blobs(files_dir) == []


async def test_an_image_gets_a_thumbnail_oriented_and_without_metadata(chat: Chat, tmp_path: Path) -> None:
    _server, files_dir, users, room_id = await setup(chat, tmp_path)
    alice = users["alice"]
    # 40 x 20 stored, EXIF "rotate 90": displayed 20 x 40.
    file = await uploaded(
        alice, room_id, jpeg(400, 200, orientation=6), filename="photo.jpg", content_type="image/jpeg"
    )
    assert (file["content_type"], file["thumbnail"], file["width"], file["height"]) == ("image/jpeg", True, 200, 400)
    resp = await alice.get(f"/api/files/{file['id']}")
    assert resp.headers["Content-Disposition"].startswith("inline;")
    resp = await alice.get(f"/api/files/{file['id']}/thumbnail")
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(await resp.read()))
    assert thumb.size == (160, 320)  # oriented, within 320 x 320
    assert dict(thumb.getexif()) == {}
    assert "exif" not in thumb.info
    # A PNG with transparency keeps it (PNG thumbnail), also without its EXIF.
    file = await uploaded(
        alice, room_id, png(30, 30, orientation=1, mode="RGBA"), filename="t.png", content_type="image/png"
    )
    resp = await alice.get(f"/api/files/{file['id']}/thumbnail")
    assert resp.headers["Content-Type"] == "image/png"
    thumb = Image.open(io.BytesIO(await resp.read()))
    assert thumb.mode == "RGBA" and dict(thumb.getexif()) == {}
    # A file that is no image has no thumbnail.
    other = await uploaded(alice, room_id, b"plain")
    assert (await alice.get(f"/api/files/{other['id']}/thumbnail")).status == 404
    assert all(BLOB.match(b) for b in blobs(files_dir))


async def test_a_spoofed_type_is_served_as_an_attachment_of_the_sniffed_type(chat: Chat, tmp_path: Path) -> None:
    """HTML sent as image/png named x.png, and an SVG with a script: never inline, never their claimed type."""
    _server, _files_dir, users, room_id = await setup(chat, tmp_path)
    alice = users["alice"]
    for data, name, claimed in (
        (HTML, "x.png", "image/png"),
        (SVG, "logo.svg", "image/svg+xml"),
        (HTML, "page.html", "text/html"),
    ):
        file = await uploaded(alice, room_id, data, filename=name, content_type=claimed)
        assert (file["content_type"], file["thumbnail"]) == ("application/octet-stream", False)
        assert "width" not in file
        for path in (f"/api/files/{file['id']}",):
            resp = await alice.get(path)
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/octet-stream"
            assert resp.headers["Content-Disposition"].startswith("attachment;")
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in resp.headers["Content-Security-Policy"]
        assert (await alice.get(f"/api/files/{file['id']}/thumbnail")).status == 404
    # A PNG signature followed by HTML: sniffed as PNG, but Pillow cannot decode it: attachment, no thumbnail.
    fake = b"\x89PNG\r\n\x1a\n" + HTML
    file = await uploaded(alice, room_id, fake, filename="fake.png", content_type="image/png")
    assert (file["content_type"], file["thumbnail"]) == ("image/png", False)
    resp = await alice.get(f"/api/files/{file['id']}")
    assert resp.headers["Content-Disposition"].startswith("attachment;")


async def test_a_decompression_bomb_is_kept_as_a_plain_file_and_never_decoded(
    chat: Chat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 10,000 x 5,000 PNG (50 MP, a few KB): no thumbnail, attachment, and Pillow never opens it."""
    _server, _files_dir, users, room_id = await setup(chat, tmp_path)
    alice = users["alice"]
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, "PNG")
    bomb = out.getvalue()
    assert len(bomb) < 100_000
    opened: list[object] = []
    real_open = Image.open

    def spy(*args: Any, **kwargs: Any) -> Any:
        opened.append(args[0])
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", spy)
    file = await uploaded(alice, room_id, bomb, filename="bomb.png", content_type="image/png")
    assert (file["content_type"], file["thumbnail"], file["size"]) == ("image/png", False, len(bomb))
    assert "width" not in file
    assert opened == []
    resp = await alice.get(f"/api/files/{file['id']}")
    assert resp.headers["Content-Disposition"].startswith("attachment;") and await resp.read() == bomb
    # The same spy sees an ordinary image opened: the bomb was skipped, not the spy.
    await uploaded(alice, room_id, png(), filename="ok.png", content_type="image/png")
    assert len(opened) == 1


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/absolute/path/.bashrc", "bashrc"),
        ("..", "file"),
        ("", "file"),
        ("a\u202egnp.exe", "agnp.exe"),
        ("x" * 300 + ".txt", "x" * 255),
    ],
)
async def test_path_like_names_are_neutralized(chat: Chat, tmp_path: Path, sent: str, stored: str) -> None:
    _server, files_dir, users, room_id = await setup(chat, tmp_path)
    file = await uploaded(users["alice"], room_id, b"data", filename=sent)
    assert file["name"] == stored
    # Nothing but blobs, named by their random keys, under FILES_DIR; nothing beside or above it.
    assert [BLOB.match(b) is not None for b in blobs(files_dir)] == [True]
    assert not (files_dir.parent / "passwd").exists() and not (files_dir.parent.parent / "etc").exists()
    resp = await users["alice"].get(f"/api/files/{file['id']}")
    assert resp.headers["Content-Disposition"].endswith("''" + aiohttp.helpers.quote(stored, safe=""))


async def _raw(server: TestServer, cookie: str, head: str, body: bytes = b"") -> tuple[int, dict[str, Any]]:
    """An HTTP/1.1 request over a raw socket (so the test controls Content-Length and chunking byte by byte)."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(head.replace("COOKIE", cookie).encode() + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        status = int(status_line.split()[1])
        length = 0
        while (line := await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await asyncio.wait_for(reader.readexactly(length), 10)
        return status, json.loads(payload)
    finally:
        writer.close()


def _cookie(client: TestClient[Any, Any]) -> str:
    return "; ".join(f"{c.key}={c.value}" for c in client.session.cookie_jar)


async def test_a_content_length_over_the_limit_is_refused_before_the_body(chat: Chat, tmp_path: Path) -> None:
    server, files_dir, users, room_id = await setup(chat, tmp_path, max_upload_bytes=2**20)
    head = (
        f"POST /api/rooms/{room_id}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: COOKIE\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 50000000\r\n\r\n"
    )
    # No byte of the body is sent: the answer can only come from the header.
    status, body = await _raw(server, _cookie(users["alice"]), head)
    assert status == 413
    assert body["error"]["code"] == "file_too_large" and body["error"]["max_bytes"] == 2**20
    assert blobs(files_dir) == []


async def test_a_chunked_upload_over_the_limit_is_refused_by_counting(chat: Chat, tmp_path: Path) -> None:
    server, files_dir, users, room_id = await setup(chat, tmp_path, max_upload_bytes=2**20)
    data = b"z" * (2**20 + 300_000)
    multipart = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--b--\r\n"
    )
    chunks = b"".join(
        f"{len(multipart[i : i + 65536]):x}\r\n".encode() + multipart[i : i + 65536] + b"\r\n"
        for i in range(0, len(multipart), 65536)
    )
    head = (
        f"POST /api/rooms/{room_id}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: COOKIE\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    status, body = await _raw(server, _cookie(users["alice"]), head, chunks + b"0\r\n\r\n")
    assert status == 413 and body["error"]["code"] == "file_too_large"
    assert blobs(files_dir) == []  # the part file written so far is gone
    # Just under the limit passes, the same way.
    ok = await uploaded(users["alice"], room_id, b"y" * 2**20)
    assert ok["size"] == 2**20


async def test_the_daily_quota(chat: Chat, tmp_path: Path) -> None:
    """Refused from Content-Length up front, and exactly when stored (a chunked body has none); a deleted
    message's files no longer count."""
    _server, files_dir, users, room_id = await setup(
        chat, tmp_path, max_upload_bytes=2**20, upload_quota_bytes=2**20 + 1000
    )
    alice = users["alice"]
    first = await uploaded(alice, room_id, b"a" * 2**20)
    resp = await upload(alice, room_id, b"b" * 2000)
    assert resp.status == 429
    error = (await resp.json())["error"]
    assert error["code"] == "upload_quota_exceeded" and error["quota_bytes"] == 2**20 + 1000

    async def gen() -> Any:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="c"\r\n\r\n'
        yield b"c" * 2000
        yield b"\r\n--b--\r\n"

    resp = await alice.post(
        f"/api/rooms/{room_id}/files", data=gen(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert resp.status == 429 and (await resp.json())["error"]["code"] == "upload_quota_exceeded"
    assert len(blobs(files_dir)) == 1
    # Others have their own quota.
    await uploaded(users["bob"], room_id, b"b" * 2000)
    ws, _ = await connect(alice)
    ack = await send(ws, room_id, "q1", [first["id"]])
    await ws.send_json({"type": "message.delete", "message_id": ack["message"]["id"]})
    await next_of(ws, "message.deleted")
    await uploaded(alice, room_id, b"b" * 2000)
    await ws.close()


async def test_message_send_with_files(chat: Chat, tmp_path: Path) -> None:
    """Own unsent files of the same room only, each once; the message carries them everywhere."""
    _server, files_dir, users, room_id = await setup(chat, tmp_path)
    alice, bob = users["alice"], users["bob"]
    other_room = await room(alice, "elsewhere")
    mine = await uploaded(alice, room_id, png(), filename="a.png", content_type="image/png")
    second = await uploaded(alice, room_id, b"notes", filename="notes.txt")
    elsewhere = await uploaded(alice, other_room, b"x")
    bobs = await uploaded(bob, room_id, b"y")
    ws, hello = await connect(alice)
    bob_ws, _ = await connect(bob)

    async def refused(client_id: str, file_ids: list[int], code: str = "file_not_attachable") -> dict[str, Any]:
        await ws.send_json(
            {"type": "message.send", "room_id": room_id, "body": "", "client_id": client_id, "file_ids": file_ids}
        )
        frame = await next_of(ws, "error", "message.ack")
        assert frame["type"] == "error" and frame["code"] == code, frame
        assert frame["client_id"] == client_id
        return frame

    assert (await refused("r1", [bobs["id"]]))["file_id"] == bobs["id"]
    assert (await refused("r2", [mine["id"], elsewhere["id"]]))["file_id"] == elsewhere["id"]
    assert (await refused("r3", [999_999]))["file_id"] == 999_999
    await refused("r4", [mine["id"], mine["id"]], code="invalid_frame")
    await refused("r5", list(range(1, 12)), code="invalid_frame")
    await refused("r6", [], code="body_empty")
    # Nothing was stored by the refusals, and no file was taken.
    history = await (await alice.get(f"/api/rooms/{room_id}/messages")).json()
    assert history["messages"] == []

    ack = await send(ws, room_id, "ok1", [mine["id"], second["id"]])
    message = ack["message"]
    assert message["body"] == "" and [f["id"] for f in message["files"]] == [mine["id"], second["id"]]
    assert message["files"][0] == mine
    new = await next_of(bob_ws, "message.new")
    assert new["message"]["files"] == message["files"]
    # Once only; a resend of the same client_id answers the original.
    assert (await refused("ok2", [mine["id"]]))["file_id"] == mine["id"]
    again = await send(ws, room_id, "ok1", [mine["id"]])
    assert again["message"] == message
    # History, catch-up (after=) and changes carry the files.
    for path in (f"/api/rooms/{room_id}/messages", f"/api/rooms/{room_id}/messages?after=0"):
        page = await (await bob.get(path)).json()
        assert page["messages"][-1]["files"] == message["files"]
    # The reconnect's catch-up sees them too.
    await bob_ws.close()
    bob_ws, hello = await connect(bob)
    seq = next(r["last_seq"] for r in hello["rooms"] if r["id"] == room_id)
    assert seq == message["seq"]

    # Deleting the message deletes the files: 404 for everyone, and the bytes are gone from disk.
    before = blobs(files_dir)
    await ws.send_json({"type": "message.delete", "message_id": message["id"]})
    await next_of(ws, "message.deleted")
    for client in (alice, bob):
        assert (await client.get(f"/api/files/{mine['id']}")).status == 404
        assert (await client.get(f"/api/files/{mine['id']}/thumbnail")).status == 404
        assert (await client.get(f"/api/files/{second['id']}")).status == 404
    after = blobs(files_dir)
    assert len(before) - len(after) == 3  # the PNG, its thumbnail, the notes
    page = await (await bob.get(f"/api/rooms/{room_id}/changes?since=0")).json()
    assert page["messages"][0]["deleted"] and page["messages"][0]["files"] == []
    await ws.close()
    await bob_ws.close()


async def test_downloads_through_x_accel_redirect(chat: Chat, tmp_path: Path) -> None:
    """With FILES_ACCEL_REDIRECT the app checks access, then names the blob for nginx and sends no bytes."""
    _server, files_dir, users, room_id = await setup(chat, tmp_path, files_accel_redirect="/_files/")
    alice = users["alice"]
    file = await uploaded(alice, room_id, png(), filename="a.png", content_type="image/png")
    resp = await alice.get(f"/api/files/{file['id']}")
    assert resp.status == 200 and await resp.read() == b""
    target = resp.headers["X-Accel-Redirect"]
    assert target.startswith("/_files/") and BLOB.match(target.removeprefix("/_files/"))
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Disposition"] == "inline; filename*=UTF-8''a.png"
    assert (files_dir / target.removeprefix("/_files/")).read_bytes() == png()
    # Readable by nginx's workers (another user): 0644 files in 0755 directories.
    assert (files_dir / target.removeprefix("/_files/")).stat().st_mode & 0o777 == 0o644
    resp = await users["carol"].get(f"/api/files/{file['id']}")
    assert resp.status == 404 and "X-Accel-Redirect" not in resp.headers
    thumb = await alice.get(f"/api/files/{file['id']}/thumbnail")
    assert thumb.headers["X-Accel-Redirect"] == target + "-thumb"
