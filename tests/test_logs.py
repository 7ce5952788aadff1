"""Logs: JSON lines with the request id and user id, the id taken from a trusted proxy only, and never a password,
cookie, session id or message body in any line at any level (a real `parley serve` at LOG_LEVEL=DEBUG)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from conftest import Chat
from parley.actions.sessions import COOKIE_NAME, cookie_fernet
from web.test_hostile import fuzz_module

PASSWORD = "pw-Zq8unguessable-1"
NEW_PASSWORD = "pw-Zq8unguessable-2"
BODY = "body-Xk4 the quarterly numbers"


def session_id_of(cookie: str, secret: str) -> str:
    data = json.loads(cookie_fernet(secret.encode()).decrypt(cookie.encode()))
    sid: str = data["session"]["sid"]
    return sid


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_no_secret_reaches_any_log_line(fmt: str) -> None:
    fuzz = fuzz_module()
    with fuzz.server({"LOG_LEVEL": "DEBUG", "LOG_FORMAT": fmt}) as srv:
        http = requests.Session()
        r = http.post(f"{srv.url}/api/auth/register", json={"username": "carol", "password": PASSWORD}, timeout=10)
        assert r.status_code == 201
        r = http.post(
            f"{srv.url}/api/auth/login", json={"username": "carol", "password": "wrong-" + PASSWORD}, timeout=10
        )
        assert r.status_code == 401
        r = http.post(f"{srv.url}/api/auth/login", json={"username": "carol", "password": PASSWORD}, timeout=10)
        assert r.status_code == 200
        cookie = http.cookies[COOKIE_NAME]
        secrets_sent = [PASSWORD, NEW_PASSWORD, BODY, cookie, session_id_of(cookie, srv.env["SECRET_KEY"])]
        import asyncio

        asyncio.run(_send_message(srv.url, cookie))
        r = http.post(
            f"{srv.url}/api/auth/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            timeout=10,
        )
        assert r.status_code == 200
        secrets_sent.append(session_id_of(http.cookies[COOKIE_NAME], srv.env["SECRET_KEY"]))
        http.post(f"{srv.url}/api/auth/logout", timeout=10)
    text = srv.final_log
    lines = text.splitlines()
    assert any("GET /api/health" in line or "/api/auth/login" in line for line in lines), "nothing was logged"
    for secret in secrets_sent:
        assert secret not in text, f"{secret!r} is in the log"
    if fmt == "json":
        for line in lines:
            if line.startswith("Parley serving"):
                continue
            entry = json.loads(line)
            assert {"time", "level", "logger", "message"} <= set(entry), line


async def _send_message(url: str, cookie: str) -> None:
    import aiohttp

    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(url, cookie_jar=jar, cookies={COOKIE_NAME: cookie}) as http:
        ws = await http.ws_connect("/ws")
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        await ws.send_json({"type": "message.send", "room_id": 1, "body": BODY, "client_id": "secret-test"})
        while True:
            frame: dict[str, Any] = await ws.receive_json(timeout=5)
            if frame["type"] == "message.ack":
                break
        await ws.close()


async def test_a_request_id_comes_back_and_a_client_cannot_choose_it(chat: Chat) -> None:
    server = await chat.server()
    client = await chat.client(server)
    resp = await client.get("/api/health", headers={"X-Request-Id": "chosen-by-client"})
    rid = resp.headers["X-Request-Id"]
    assert rid != "chosen-by-client" and len(rid) == 32
    other = (await client.get("/api/health")).headers["X-Request-Id"]
    assert other != rid


async def test_a_trusted_proxy_s_request_id_is_kept(chat: Chat) -> None:
    import ipaddress

    server = await chat.server(trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),))
    client = await chat.client(server)
    resp = await client.get("/api/health", headers={"X-Request-Id": "0123456789abcdef0123456789abcdef"})
    assert resp.headers["X-Request-Id"] == "0123456789abcdef0123456789abcdef"
    odd = await client.get("/api/health", headers={"X-Request-Id": "not an id: spaces and {braces}"})
    assert odd.headers["X-Request-Id"] != "not an id: spaces and {braces}"
    assert len(odd.headers["X-Request-Id"]) == 32


async def test_the_websocket_upgrade_carries_the_request_id(chat: Chat) -> None:
    server = await chat.server()
    client = await chat.user(server, "dave")
    ws = await client.ws_connect("/ws")
    assert len(ws._response.headers["X-Request-Id"]) == 32
    await ws.close()
