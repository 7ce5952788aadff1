"""The built-in server's edge (issue 10, findings 8 and 10): the security headers nginx sends, on every response
of the app itself; no version in `Server`; a foreign `Host` (DNS rebinding) refused before anything runs."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from conftest import PASSWORD, Chat
from parley.web.headers import HSTS, SECURITY_HEADERS

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A stand-in for the built web app: index.html and one hashed asset."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>Parley</title>")
    (root / "assets" / "app-1234.js").write_text("console.log('hi')")
    return root


def _assert_security_headers(resp: aiohttp.ClientResponse) -> None:
    # Written out here, not taken from the module under test: the literal policy is what browsers get.
    assert resp.headers.getall("Content-Security-Policy") == [CSP]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert resp.headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.getall(name) == [value], name


def _assert_no_version(resp: aiohttp.ClientResponse) -> None:
    assert resp.headers.getall("Server", []) in ([], ["Parley"]), resp.headers.getall("Server")


async def test_every_response_carries_the_security_headers(chat: Chat, dist: Path) -> None:
    server = await chat.server(frontend_dir=dist)
    client = await chat.client(server)
    ana = await chat.user(server, "ana")
    responses = [
        await client.get("/"),
        await client.get("/rooms/5"),
        await client.get("/assets/app-1234.js"),
        await client.get("/api/health"),
        await client.get("/api/me"),  # 401
        await ana.get("/api/nope"),  # 404
        await client.post("/api/auth/login", data=b"not json"),  # 400
    ]
    assert [r.status for r in responses] == [200, 200, 200, 200, 401, 404, 400]
    for resp in responses:
        _assert_security_headers(resp)
        _assert_no_version(resp)
        # Plain http: HSTS would be ignored by browsers and means nothing here.
        assert HSTS[0] not in resp.headers
    assert responses[2].headers["Cache-Control"] == "public, max-age=31536000, immutable"


async def test_the_websocket_upgrade_carries_them_too(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws = await ana.ws_connect("/ws")
    _assert_security_headers(ws._response)
    _assert_no_version(ws._response)
    await ws.close()


async def test_hsts_over_https_through_a_trusted_proxy(chat: Chat) -> None:
    server = await chat.server(trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),))
    client = await chat.client(server)
    resp = await client.get("/api/health", headers={"X-Forwarded-Proto": "https"})
    assert resp.headers[HSTS[0]] == "max-age=63072000"
    # From an untrusted peer the claim is ignored: no HSTS.
    untrusted = await chat.server()
    resp = await (await chat.client(untrusted)).get("/api/health", headers={"X-Forwarded-Proto": "https"})
    assert HSTS[0] not in resp.headers


HOSTILE_HOSTS = ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost.evil.example"]


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
async def test_a_foreign_host_is_refused(chat: Chat, dist: Path, host: str) -> None:
    """A page on evil.example whose name an attacker re-points at 127.0.0.1 (DNS rebinding) is same-origin with
    itself: the browser sends its Origin and `Host: evil.example`. Nothing may answer it but the health check."""
    server = await chat.server(frontend_dir=dist)
    ana = await chat.user(server, "ana")
    foreign = {"Host": host}
    attempts: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/api/auth/register", {"json": {"username": "mallory", "password": PASSWORD}}),
        ("POST", "/api/auth/login", {"json": {"username": "ana", "password": PASSWORD}}),
        ("GET", "/api/me", {}),
        ("POST", "/api/rooms", {"json": {"name": "pwned"}}),
        ("GET", "/", {}),
        ("GET", "/ws", {"headers": {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                                     "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}}),
    ]
    for method, path, kwargs in attempts:
        headers = {**kwargs.pop("headers", {}), **foreign, "Origin": f"http://{host}"}
        resp = await ana.request(method, path, headers=headers, **kwargs)
        assert resp.status == 400, (method, path, resp.status, await resp.text())
        assert (await resp.json())["error"]["code"] == "bad_host"
        _assert_security_headers(resp)
    # Nothing happened: no new account, no room.
    rooms = (await (await ana.get("/api/rooms")).json())["rooms"]
    assert [r["name"] for r in rooms] == ["general"]
    assert (await ana.post("/api/auth/login", json={"username": "mallory", "password": PASSWORD})).status == 401
    # A load balancer's probe by address still gets its answer.
    assert (await ana.get("/api/health", headers=foreign)).status == 200


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST.:{port}", "[::1]:{port}", "localhost"]
)
async def test_loopback_names_are_ours_by_default(chat: Chat, host: str) -> None:
    server = await chat.server()
    client = await chat.client(server)
    resp = await client.get("/api/me", headers={"Host": host.format(port=server.port)})
    assert resp.status == 401  # past the Host check, stopped by the session check


async def test_allowed_hosts_replace_the_defaults(chat: Chat) -> None:
    server = await chat.server(allowed_hosts=frozenset({"chat.example.com"}))
    client = await chat.client(server)
    assert (await client.get("/api/me", headers={"Host": "chat.example.com"})).status == 401
    assert (await client.get("/api/me", headers={"Host": "Chat.Example.com:443"})).status == 401
    resp = await client.get("/api/me")  # Host: 127.0.0.1:port, no longer listed
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "bad_host"
    anything = await chat.server(allowed_hosts=frozenset({"*"}))
    assert (await (await chat.client(anything)).get("/api/me", headers={"Host": "x.example"})).status == 401


async def test_no_version_in_server(chat: Chat) -> None:
    server = await chat.server()
    client: TestClient[Any, Any] = await chat.client(server)
    resp = await client.get("/api/health")
    assert resp.headers["Server"] == "Parley"
    assert "aiohttp" not in str(resp.headers) and "Python" not in str(resp.headers)
