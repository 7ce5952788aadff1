"""Hostile input before and after login (issue 10, finding 9): each case is a 400 (or 404) with a stable code,
never a 500; a fault of ours is a JSON 500 with no traceback for the client and one short line in the log."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from marshmallow import Schema, fields

from conftest import PASSWORD, Chat, connect, make_settings, migrated, next_frame
from parley.app import create_app
from parley.web import schemas
from parley.web.bodies import JSON_DEPTH_MAX, parse_json

LONE = "\ud800"
# 60 KB of `[`: under the 64 KiB body limit, and 60 times Python's recursion limit.
DEEP_OPEN = "[" * 60_000
DEEP_CLOSED = "[" * 5_000 + "]" * 5_000
DEEP_OBJECT = '{"username": ' + "[" * 40 + "]" * 40 + ', "password": "x"}'


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>Parley</title>")
    return root


def test_parse_json_bounds_depth() -> None:
    nested: Any = "x"
    for _ in range(JSON_DEPTH_MAX - 1):
        nested = [nested]
    assert parse_json(json.dumps({"a": nested}))["a"] == nested
    for text in (DEEP_OPEN, DEEP_CLOSED, DEEP_OBJECT, '{"a":' * 40 + "1" + "}" * 40):
        with pytest.raises(ValueError, match=r"nested too deeply|not valid JSON"):
            parse_json(text)
    # At the limit and one past it, as text and as bytes; brackets inside strings do not count as nesting.
    at_limit, past_it = (
        "[" * JSON_DEPTH_MAX + "]" * JSON_DEPTH_MAX,
        "[" * (JSON_DEPTH_MAX + 1) + "]" * (JSON_DEPTH_MAX + 1),
    )
    assert parse_json(at_limit) == parse_json(at_limit.encode())
    for deep in (past_it, past_it.encode()):
        with pytest.raises(ValueError, match="nested too deeply"):
            parse_json(deep)
    assert parse_json(json.dumps({"body": "{[" * 100})) == {"body": "{[" * 100}


@pytest.mark.parametrize("body", [DEEP_OPEN, DEEP_CLOSED, DEEP_OBJECT])
@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/register"])
async def test_deep_json_is_invalid_json(chat: Chat, path: str, body: str) -> None:
    server = await chat.server()
    client = await chat.client(server)
    resp = await client.post(path, data=body.encode(), headers={"Content-Type": "application/json"})
    assert resp.status == 400, await resp.text()
    assert (await resp.json())["error"]["code"] == "invalid_json"


async def test_lone_surrogates_are_validation_failed_everywhere(chat: Chat) -> None:
    """JSON may carry "\\ud800"; no UTF-8 encoder (database, socket) takes it. Every string field refuses it."""
    server = await chat.server()
    anonymous = await chat.client(server)
    ana = await chat.user(server, "ana")
    bodies = [
        (anonymous, "/api/auth/login", {"username": LONE, "password": PASSWORD}),
        (anonymous, "/api/auth/login", {"username": "ana", "password": PASSWORD + LONE}),
        (anonymous, "/api/auth/register", {"username": "bob", "password": PASSWORD + LONE}),
        (ana, "/api/rooms", {"name": "ops" + LONE}),
        (ana, "/api/rooms", {"name": "ops", "topic": LONE}),
        (ana, "/api/rooms/1/members", {"username": LONE}),
        (ana, "/api/auth/password", {"current_password": LONE + PASSWORD, "new_password": PASSWORD}),
        (ana, "/api/auth/password", {"current_password": PASSWORD, "new_password": LONE + PASSWORD}),
    ]
    for client, path, body in bodies:
        resp = await client.post(path, json=body)  # json.dumps escapes it: the wire carries \ud800
        assert resp.status == 400, (path, body, await resp.text())
        error = (await resp.json())["error"]
        assert error["code"] == "validation_failed", (path, error)
    assert (await ana.get("/api/me")).status == 200


def test_every_string_field_of_every_schema_is_text() -> None:
    """A new schema with a plain fields.String would let a lone surrogate through to the database again."""
    found = 0
    for value in vars(schemas).values():
        if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == schemas.__name__:
            for name, field in value._declared_fields.items():
                if isinstance(field, fields.String):
                    assert isinstance(field, schemas.Text), f"{value.__name__}.{name}"
                    found += 1
    assert found >= 10


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "message.send", "room_id": 1, "body": "hi " + LONE, "client_id": "c1"},
        {"type": "message.send", "room_id": 1, "body": "hi", "client_id": "c" + LONE},
        {"type": "presence.set", "status": LONE},
    ],
)
async def test_lone_surrogates_in_frames_are_invalid_frame(chat: Chat, frame: dict[str, Any]) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    await ws.send_json(frame)
    error = await next_frame(ws)
    assert (error["type"], error["code"]) == ("error", "invalid_frame"), error
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "still here", "client_id": "ok"})
    assert (await next_frame(ws))["type"] == "message.ack"


async def test_deep_json_frame_is_bad_json_and_the_socket_lives(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    for text in (DEEP_OPEN, DEEP_CLOSED, '{"type": "typing", "room_id": 1, "active": ' + "[" * 50 + "]" * 50 + "}"):
        await ws.send_str(text)
        error = await next_frame(ws)
        assert (error["type"], error["code"]) == ("error", "bad_json"), error
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "still here", "client_id": "ok"})
    assert (await next_frame(ws))["type"] == "message.ack"


async def test_nul_in_a_path_is_404(chat: Chat, dist: Path) -> None:
    server = await chat.server(frontend_dir=dist)
    client = await chat.client(server)
    ana = await chat.user(server, "ana")
    for path in ("/x%00", "/assets/x%00.js", "/%00", "/rooms/%00/x", "/" + "a" * 300):
        resp = await client.get(path)
        assert resp.status in (200, 400, 404), (path, resp.status)
        if "%00" in path:
            assert resp.status in (400, 404), (path, resp.status)
    resp = await ana.get("/api/x%00")
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "GET"])
async def test_unknown_api_paths_are_404_not_found(chat: Chat, dist: Path, method: str) -> None:
    """With the web app served, its catch-all GET route once answered 405 to anything else under /api."""
    server = await chat.server(frontend_dir=dist)
    ana = await chat.user(server, "ana")
    for path in ("/api/nope", "/api/rooms/1/nope", "/api", "/api/"):
        resp = await ana.request(method, path, json={})
        assert resp.status == 404, (method, path, resp.status)
        assert (await resp.json())["error"]["code"] == "not_found"
    # A known path with the wrong method is still 405.
    resp = await ana.request("DELETE" if method != "DELETE" else "PUT", "/api/rooms")
    assert resp.status == 405
    assert (await resp.json())["error"]["code"] == "method_not_allowed"


async def test_non_ascii_login_names_are_just_wrong(chat: Chat) -> None:
    """The username key column is ASCII on MySQL: a non-ASCII name must not reach it as an error."""
    server = await chat.server()
    await chat.user(server, "ana")
    client = await chat.client(server)
    for name in ("\u00e9l\u00e8ve", "\U0001f600\U0001f600\U0001f600", "\uff41\uff4e\uff41"):
        resp = await client.post("/api/auth/login", json={"username": name, "password": "wrong password"})
        assert resp.status == 401, (name, await resp.text())
    # Full-width "ana" folds to "ana": with the right password it is her.
    resp = await client.post("/api/auth/login", json={"username": "\uff41\uff4e\uff41", "password": PASSWORD})
    assert resp.status == 200


async def test_a_fault_of_ours_is_a_json_500_and_one_short_log_line(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail " + "x" * 5000)

    # The real app with one extra route that fails as a bug of ours would.
    await migrated(chat.url)
    app = create_app(make_settings(chat.url))
    app.router.add_get("/api/health/boom", boom)
    broken = TestServer(app)
    await broken.start_server()
    chat.servers.append(broken)
    client = await chat.user(broken, "ana")
    caplog.set_level(logging.INFO)
    caplog.clear()
    resp = await client.get("/api/health/boom")
    assert resp.status == 500
    assert resp.content_type == "application/json"
    body = await resp.text()
    assert (await resp.json())["error"]["code"] == "internal_error"
    assert "secret" not in body and "Traceback" not in body and "RuntimeError" not in body
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info is None
    assert "RuntimeError" in errors[0].getMessage() and len(errors[0].getMessage()) < 500


async def test_200_bad_requests_log_no_traceback(chat: Chat, dist: Path, caplog: pytest.LogCaptureFixture) -> None:
    server = await chat.server(frontend_dir=dist)
    anonymous = await chat.client(server)
    ana = await chat.user(server, "ana")
    caplog.set_level(logging.INFO)
    caplog.clear()
    for i in range(40):
        await anonymous.post("/api/auth/login", data=DEEP_OPEN.encode(), headers={"Content-Type": "application/json"})
        await anonymous.post("/api/auth/login", json={"username": LONE, "password": "x"})
        await ana.post("/api/rooms", json={"name": LONE})
        await anonymous.get("/x%00")
        await ana.post(f"/api/nope{i}", json={})
    # 80 bad frames, 10 per socket (20 in a row would close a socket with 1008, by design).
    for s in range(8):
        ws, _ = await connect(ana)
        for i in range(5):
            await ws.send_str(DEEP_OPEN)
            await ws.send_json({"type": "message.send", "room_id": 1, "body": LONE, "client_id": f"c{s}x{i}"})
        for _ in range(10):
            assert (await next_frame(ws))["type"] == "error"
        await ws.close()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert loud == [], [r.getMessage()[:200] for r in loud]
    logged = sum(len(r.getMessage()) for r in caplog.records)
    assert logged < 64_000, logged
