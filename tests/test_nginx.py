"""The production shape: the repository's nginx.conf (rendered by scripts/cluster.py) in front of real
`parley serve` processes sharing a fresh MariaDB database and Redis.

Scenarios: nginx serves the web app with the right cache and security headers; /api and the /ws upgrade pass
through it; forwarded headers are believed only from the proxy; a session made on one process works on every
process; messages, typing and presence cross processes through Redis; after kill -9 of a process its users go
offline elsewhere within the documented bound, nginx sends new requests to the survivors, and reconnecting
clients catch up with after= without loss or duplicates.

Everything listens on 127.0.0.1 only. Tests that must tell "the proxy" from "a client" apart connect from
127.0.0.2 (still loopback; Linux routes all of 127/8 to lo): TRUSTED_PROXIES=127.0.0.1 then trusts nginx,
which reaches the apps from 127.0.0.1, and not that client.
"""

from __future__ import annotations

import asyncio
import gc
import io
import ipaddress
import json
import os
import re
import signal
import ssl
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image as PILImage

from conftest import PASSWORD, eventually, frame_of, make_settings, migrated, service_missing
from e2e.conftest import CHROMIUM_ARGS
from nginx_fixtures import (
    DEAD_PROCESS_OFFLINE_S,
    Client,
    cluster,
    cluster_mod,
    free_port_run,
    presence_of,
    presences_of,
    require_dist,
    require_nginx,
    silence,
)
from parley.app import create_app
from parley.settings import DatabaseUrl
from parley.web.headers import HSTS, SECURITY_HEADERS

# Under a loaded full run, a client socket to a killed app process is now and then finalized by the garbage
# collector instead of closed (kill -9 leaves the client's side half-open). That is the test's client, not the
# server; the fixtures collect garbage at each teardown so such a finalization lands in this module, where it is
# ignored, rather than in an unrelated test later.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <function _SelectorTransport.__del__:pytest.PytestUnraisableExceptionWarning"
    ),
]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
ATTACKER = "127.0.0.2"


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def tls_cluster() -> Iterator[Any]:
    """Two processes behind nginx over https (a throwaway certificate), as in production; shared by the module."""
    with cluster(2, tls=True) as running:
        yield running


@pytest.fixture
async def clients() -> AsyncIterator[Callable[..., Client]]:
    made: list[Client] = []

    def make(base_url: str, **kwargs: Any) -> Client:
        client = Client(base_url, **kwargs)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.close()
        await asyncio.sleep(0)
        gc.collect()


async def register(client: Client, username: str, **kwargs: Any) -> aiohttp.ClientResponse:
    resp = await client.post("/api/auth/register", json={"username": username, "password": PASSWORD}, **kwargs)
    assert resp.status == 201, await resp.text()
    return resp


def _set_cookie(resp: aiohttp.ClientResponse) -> str:
    """The session cookie's Set-Cookie; the known-device cookie beside it must carry the same Secure flag."""
    headers = resp.headers.getall("Set-Cookie", [])
    session = [h for h in headers if h.startswith("parley_session=")]
    device = [h for h in headers if h.startswith("parley_device=")]
    assert len(session) == 1 and len(device) == 1 and len(headers) == 2, headers
    assert ("Secure" in session[0]) == ("Secure" in device[0]), headers
    return str(session[0])


# --------------------------------------------------------------------------------------------------------
# The config itself


def test_render_fails_loudly_on_an_unknown_tag() -> None:
    """A renamed `# parley:` tag must break the render, not silently leave a production path in a test run."""
    with pytest.raises(cluster_mod.ClusterError, match="no_such_tag"):
        cluster_mod.render_conf(cluster_mod.NGINX_CONF.read_text(), {"no_such_tag": None})


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_rendered_config_passes_nginx_t(tmp_path: Path, tls: bool) -> None:
    """Both renders of nginx.conf (the trial's plain http, production's https) pass `nginx -t` as they are."""
    binary = require_nginx()
    dist = require_dist()
    cert = cluster_mod.self_signed(tmp_path) if tls else None
    values = cluster_mod.local_values(port=8443, upstreams=[9001, 9002], root=dist, scratch=tmp_path, tls=cert,
                                      http_port=8080 if tls else None)
    text = cluster_mod.render_conf(cluster_mod.NGINX_CONF.read_text(), values)
    assert "10.0.0.11" not in text and "/var/log/nginx" not in text and "/run/nginx.pid" not in text
    assert ("ssl_certificate" in text) == tls
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    result = subprocess.run([binary, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "[emerg]" not in result.stderr


def test_nginx_sends_the_apps_security_headers() -> None:
    """One definition of the security headers (issue 10, finding 8): nginx.conf's `add_header` block is the app's
    (backend/parley/web/headers.py) header for header, HSTS included, and nginx hides the app's own copies of
    exactly those, so every response through nginx carries each once."""
    text = cluster_mod.NGINX_CONF.read_text()
    added = re.findall(r'^\s*add_header\s+(\S+)\s+"([^"]*)"\s+always;', text, re.M)
    assert dict(added) == {**SECURITY_HEADERS, HSTS[0]: HSTS[1]}
    assert len(added) == len(dict(added)), "a header is added twice"
    others = re.findall(r"^\s*add_header\s+(\S+)\s+([^\s;]+)", text, re.M)
    assert sorted(name for name, _ in others if name not in dict(added)) == ["Cache-Control"]
    hidden = re.findall(r"^\s*proxy_hide_header\s+(\S+);", text, re.M)
    assert sorted(hidden) == sorted([*SECURITY_HEADERS, HSTS[0]])


# --------------------------------------------------------------------------------------------------------
# The web app, served by nginx


async def test_web_app_cache_and_security_headers(tls_cluster: Any, clients: Callable[..., Client]) -> None:
    """index.html revalidates, hashed assets are immutable, client routes get index.html, a missing asset is a
    404 (never index.html cached for a year), text is gzipped, and every response carries the security headers."""
    web_client = clients(tls_cluster.url, cafile=tls_cluster.tls.certificate)
    index = await web_client.get("/")
    body = await index.text()
    assert index.status == 200
    assert index.headers["Content-Type"].startswith("text/html")
    assert index.headers["Cache-Control"] == "no-cache"
    assert index.headers["Content-Security-Policy"] == CSP
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    assert index.headers["X-Frame-Options"] == "DENY"
    assert index.headers["Referrer-Policy"] == "same-origin"
    assert index.headers["Strict-Transport-Security"] == "max-age=63072000"
    assert "nginx/" not in index.headers.get("Server", "")

    route = await web_client.get("/rooms/5")
    assert route.status == 200
    assert await route.text() == body
    assert route.headers["Cache-Control"] == "no-cache"

    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', body)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets), body
    for asset in assets:
        resp = await web_client.get(asset, headers={"Accept-Encoding": "gzip"})
        await resp.read()
        assert resp.status == 200, asset
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert resp.headers["Content-Security-Policy"] == CSP
        assert resp.headers.get("Content-Encoding") == "gzip", asset
    first = await web_client.get(assets[0])
    await first.read()  # read to the end, so the connection goes back to the pool (an unread one leaks)
    assert first.headers["Content-Type"].split(";")[0] in ("application/javascript", "text/javascript", "text/css")

    missing = await web_client.get("/assets/index-00000000.js")
    await missing.read()
    assert missing.status == 404
    assert "immutable" not in missing.headers.get("Cache-Control", "")
    assert missing.headers["X-Content-Type-Options"] == "nosniff"


async def test_plain_http_redirects_to_https(tls_cluster: Any, clients: Callable[..., Client]) -> None:
    http = clients(f"http://127.0.0.1:{tls_cluster.config.http_port}")
    resp = await http.get("/rooms/5?x=1", allow_redirects=False)
    assert resp.status == 301
    assert resp.headers["Location"] == "https://127.0.0.1/rooms/5?x=1"


# --------------------------------------------------------------------------------------------------------
# The API and the WebSocket through nginx


async def test_api_and_websocket_through_nginx(tls_cluster: Any, clients: Callable[..., Client]) -> None:
    """A browser's path: register and log in with its Origin (nginx passes Host with the port and the https
    scheme, so the app recognizes its own origin), the cookie comes back Secure, and the wss upgrade works."""
    browser = clients(tls_cluster.url, cafile=tls_cluster.tls.certificate)
    origin = {"Origin": tls_cluster.url}
    name = _name("web")
    cookie = _set_cookie(await register(browser, name, headers=origin))
    assert "Secure" in cookie and "HttpOnly" in cookie
    me = await browser.get("/api/me")
    assert me.status == 200 and (await me.json())["user"]["username"] == name
    login = await browser.post("/api/auth/login", json={"username": name.upper(), "password": PASSWORD},
                               headers=origin)
    assert login.status == 200, await login.text()
    assert "Secure" in _set_cookie(login)

    ws, hello = await browser.ws(origin=tls_cluster.url)
    assert hello["user"]["username"] == name
    await ws.send_json({"type": "message.send", "room_id": hello["rooms"][0]["id"], "body": "via nginx",
                        "client_id": "n-1"})
    assert (await frame_of(ws, "message.ack", skip=("presence", "typing", "message.new")))["client_id"] == "n-1"
    await ws.close()

    foreign = await browser.post("/api/rooms", json={"name": _name("r")}, headers={"Origin": "https://evil.example"})
    assert foreign.status == 403
    assert (await foreign.json())["error"]["code"] == "forbidden_origin"

    # The app's answers come with one set of security headers (nginx's; the app's own are hidden), no version.
    for resp in (me, login, foreign):
        for header, value in {**SECURITY_HEADERS, HSTS[0]: HSTS[1]}.items():
            assert resp.headers.getall(header) == [value], header
        assert not re.search(r"aiohttp|Python|\d", resp.headers.get("Server", "")), resp.headers.get("Server")


async def test_a_foreign_host_through_nginx_is_refused_by_the_app(tls_cluster: Any,
                                                                  clients: Callable[..., Client]) -> None:
    """nginx passes the browser's Host on (server_name is not a filter: the only server block answers any name), so
    a rebinding page's `Host: evil.example` reaches the app, which refuses it (ALLOWED_HOSTS: the cluster's apps
    listen on 127.0.0.1, so the loopback names)."""
    browser = clients(tls_cluster.url, cafile=tls_cluster.tls.certificate)
    resp = await browser.post("/api/auth/register", json={"username": _name("dns"), "password": PASSWORD},
                              headers={"Host": "evil.example", "Origin": "https://evil.example"})
    assert resp.status == 400, await resp.text()
    assert (await resp.json())["error"]["code"] == "bad_host"
    assert resp.headers.getall("X-Frame-Options") == ["DENY"]


async def test_oversized_body_is_refused_by_nginx_in_the_api_format(tls_cluster: Any,
                                                                    clients: Callable[..., Client]) -> None:
    browser = clients(tls_cluster.url, cafile=tls_cluster.tls.certificate)
    resp = await browser.post("/api/auth/login", data=b"x" * 70_000, headers={"Content-Type": "application/json"})
    assert resp.status == 413
    assert await resp.json() == {"error": {"code": "payload_too_large", "message": "The request body is too large."}}
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_session_made_anywhere_works_on_every_process(tls_cluster: Any,
                                                              clients: Callable[..., Client]) -> None:
    """No sticky sessions: the cookie nginx's chosen process set is accepted by every process directly."""
    browser = clients(tls_cluster.url, cafile=tls_cluster.tls.certificate)
    name = _name("any")
    await register(browser, name)
    cookie = _set_cookie(await browser.post("/api/auth/login", json={"username": name, "password": PASSWORD}))
    pair = cookie.split(";", 1)[0]
    for index in range(len(tls_cluster.apps)):
        direct = clients(tls_cluster.app_url(index))
        resp = await direct.get("/api/me", headers={"Cookie": pair})
        assert resp.status == 200, (index, await resp.text())
        assert (await resp.json())["user"]["username"] == name


async def test_forwarded_proto_is_believed_only_from_the_proxy(tls_cluster: Any,
                                                               clients: Callable[..., Client]) -> None:
    """A client talking to a process directly cannot claim https: no Secure cookie, and its https Origin does
    not match. The same headers from the proxy's address (127.0.0.1, TRUSTED_PROXIES) are believed."""
    app = tls_cluster.app_url(0)
    claim = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "6.6.6.6"}

    attacker = clients(app, local_addr=ATTACKER)
    cookie = _set_cookie(await register(attacker, _name("spoof"), headers=claim))
    assert "Secure" not in cookie
    host = app.removeprefix("http://")
    refused = await attacker.post("/api/rooms", json={"name": _name("r")},
                                  headers={**claim, "Origin": f"https://{host}"})
    assert refused.status == 403, await refused.text()

    proxy = clients(app)  # from 127.0.0.1: where nginx connects from
    assert "Secure" in _set_cookie(await register(proxy, _name("prox"), headers=claim))


@pytest.fixture
async def echo_app(tmp_path: Path) -> AsyncIterator[tuple[TestServer, Path]]:
    """The real app (its real middleware chain) in this process, trusting 127.0.0.1, with one extra route that
    echoes what the app believes about the client: request.remote and request.scheme after `trusted_proxy`."""
    url = DatabaseUrl(scheme="sqlite", path=str(tmp_path / "parley.db"))
    await migrated(url)
    app = create_app(make_settings(url, trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),)))

    @web.middleware
    async def echo(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                   ) -> web.StreamResponse:
        if request.path == "/api/test-echo":
            return web.json_response({"remote": request.remote, "scheme": request.scheme})
        return await handler(request)

    # Right after trusted_proxy: it sees the request as every later middleware and handler does.
    app.middlewares.insert(1, echo)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server, tmp_path
    finally:
        await server.close()


async def test_forwarded_for_names_the_real_client(echo_app: tuple[TestServer, Path],
                                                   clients: Callable[..., Client]) -> None:
    """X-Forwarded-For as the app reads it behind the rendered nginx.conf.

    The app logs and limits by request.remote, so what matters is what that becomes. The client connects from
    127.0.0.2 and forges `X-Forwarded-For: 6.6.6.6`. nginx appends the address it saw ("6.6.6.6, 127.0.0.2");
    the app, trusting only 127.0.0.1 (nginx), takes the right-most untrusted hop: 127.0.0.2, the real client.
    Sent straight to the app, the same forged header is ignored: the peer is not a trusted proxy.
    (aiohttp's access log cannot show this: it prints the socket's peer, before any middleware runs.)
    """
    require_nginx()
    dist = require_dist()
    server, scratch = echo_app
    port = free_port_run(1)
    with cluster_mod.running_nginx(port=port, upstreams=[server.port], dist=dist, scratch=scratch):
        forged = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"}
        via_nginx = clients(f"http://127.0.0.1:{port}", local_addr=ATTACKER)
        seen = await (await via_nginx.get("/api/test-echo", headers=forged)).json()
        assert seen == {"remote": ATTACKER, "scheme": "http"}

        direct = clients(f"http://127.0.0.1:{server.port}", local_addr=ATTACKER)
        assert await (await direct.get("/api/test-echo", headers=forged)).json() == {"remote": ATTACKER,
                                                                                      "scheme": "http"}
        # nginx's own access log names the same client (written just after the response: poll, bounded).
        log = scratch / "access.log"

        async def logged() -> bool:
            return any("/api/test-echo" in line for line in log.read_text().splitlines())

        await eventually(logged, timeout=3)
        lines = [line for line in log.read_text().splitlines() if "/api/test-echo" in line]
        assert [line.split()[0] for line in lines] == [ATTACKER], lines


# --------------------------------------------------------------------------------------------------------
# The web app in a real browser under the CSP


@pytest.fixture
def chromium() -> Path:
    path = Path("/usr/bin/chromium")
    if not path.exists():
        service_missing("Chromium at /usr/bin/chromium")
    return path


async def test_web_app_runs_under_the_csp_in_chromium(tls_cluster: Any, chromium: Path) -> None:
    """Chromium loads the SPA through nginx over https with the CSP enforced: no violation, the app renders
    (its stylesheet applies), and its same-origin wss:// socket opens and receives hello ('self' covers it)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        service_missing("playwright")
    name = _name("csp")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(ignore_https_errors=True)
            page = await context.new_page()
            await page.add_init_script(
                "window.__csp = []; document.addEventListener('securitypolicyviolation',"
                " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
            console: list[str] = []
            page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
            resp = await page.request.post(f"{tls_cluster.url}/api/auth/register",
                                           data=json.dumps({"username": name, "password": PASSWORD}),
                                           headers={"Content-Type": "application/json"})
            assert resp.status == 201, await resp.text()
            async with page.expect_websocket(timeout=15_000) as ws_info:
                await page.goto(tls_cluster.url + "/")
            socket = await ws_info.value
            assert socket.url == tls_cluster.url.replace("https", "wss") + "/ws"
            await socket.wait_for_event("framereceived", predicate=lambda p: '"hello"' in str(p), timeout=15_000)
            await page.wait_for_function("document.querySelector('#app') && document.querySelector('#app')"
                                         ".children.length > 0", timeout=15_000)
            assert await page.evaluate("window.__csp") == []
            assert not [c for c in console if "Content Security Policy" in c], console
            # The stylesheet loaded (a refused one has no readable rules).
            assert await page.evaluate(
                "[...document.styleSheets].some(s => { try { return s.cssRules.length > 0 } catch { return false } })")
            # The policy is really enforced (and the listener works): a foreign socket is refused.
            await page.evaluate("() => { try { new WebSocket('wss://elsewhere.invalid/'); } catch (e) {} }")
            await page.wait_for_function("window.__csp.length > 0", timeout=5_000)
            assert (await page.evaluate("window.__csp"))[0].startswith("connect-src")
        finally:
            await browser.close()


# --------------------------------------------------------------------------------------------------------
# Across processes (Redis broker)


async def account(running: Any, clients: Callable[..., Client], prefix: str) -> tuple[str, str]:
    """A user registered through nginx: (username, the "parley_session=..." cookie to use anywhere)."""
    web_client = clients(running.url, cafile=running.tls.certificate if running.tls else None)
    name = _name(prefix)
    cookie = _set_cookie(await register(web_client, name)).split(";", 1)[0]
    return name, cookie


def direct(running: Any, clients: Callable[..., Client], index: int, cookie: str) -> Client:
    """A client talking to app process `index` itself, bypassing nginx."""
    return clients(running.app_url(index), cookie=cookie)


def via_nginx(running: Any, clients: Callable[..., Client], cookie: str) -> Client:
    return clients(running.url, cafile=running.tls.certificate if running.tls else None, cookie=cookie)


async def _new_room(client: Client, *others: Client) -> int:
    resp = await client.post("/api/rooms", json={"name": _name("room")})
    assert resp.status == 201, await resp.text()
    room_id = int((await resp.json())["room"]["id"])
    for other in others:
        assert (await other.post(f"/api/rooms/{room_id}/join")).status == 200
    return room_id


MESSAGE_SKIP = ("presence", "typing", "room.joined", "member.joined")


async def test_messages_cross_processes_once_and_in_order(tls_cluster: Any,
                                                          clients: Callable[..., Client]) -> None:
    """ana on process 0 sends a burst; bob on process 1 and carol through nginx each get every message once, in
    seq order, and ana gets her acks in the same order."""
    ana = direct(tls_cluster, clients, 0, (await account(tls_cluster, clients, "ana"))[1])
    bob = direct(tls_cluster, clients, 1, (await account(tls_cluster, clients, "bob"))[1])
    carol = via_nginx(tls_cluster, clients, (await account(tls_cluster, clients, "cara"))[1])
    room = await _new_room(ana, bob, carol)
    ana_ws, _ = await ana.ws()
    bob_ws, _ = await bob.ws()
    carol_ws, _ = await carol.ws()
    count = 20  # the burst the rate limiter lets through
    for i in range(count):
        await ana_ws.send_json({"type": "message.send", "room_id": room, "body": f"m{i}", "client_id": f"c{i}"})
    acks = [await frame_of(ana_ws, "message.ack", timeout=10, skip=MESSAGE_SKIP) for _ in range(count)]
    assert [a["message"]["seq"] for a in acks] == list(range(1, count + 1))
    assert [a["message"]["body"] for a in acks] == [f"m{i}" for i in range(count)]
    for ws in (bob_ws, carol_ws):
        got = [await frame_of(ws, "message.new", timeout=10, skip=MESSAGE_SKIP) for _ in range(count)]
        assert [f["message"] for f in got] == [a["message"] for a in acks]
        await silence(ws, 0.5, ("message.new",))
    for ws in (ana_ws, bob_ws, carol_ws):
        await ws.close()


async def test_typing_and_presence_cross_processes(tls_cluster: Any, clients: Callable[..., Client]) -> None:
    """bob on process 1 sees ana (process 0) come online, type, stop, and go offline after the grace period."""
    ana_name, ana_cookie = await account(tls_cluster, clients, "ana")
    bob_name, bob_cookie = await account(tls_cluster, clients, "bob")
    ana = direct(tls_cluster, clients, 0, ana_cookie)
    bob = direct(tls_cluster, clients, 1, bob_cookie)
    room = await _new_room(ana, bob)
    bob_ws, _ = await bob.ws()
    ana_ws, ana_hello = await ana.ws()
    assert bob_name in {p["user"]["username"] for p in ana_hello["presence"]}
    await presence_of(bob_ws, ana_name, "online")

    await ana_ws.send_json({"type": "typing", "room_id": room, "active": True})
    typing = await frame_of(bob_ws, "typing")
    assert typing == {"type": "typing", "room_id": room, "user": typing["user"], "active": True}
    assert typing["user"]["username"] == ana_name
    await ana_ws.send_json({"type": "typing", "room_id": room, "active": False})
    assert (await frame_of(bob_ws, "typing"))["active"] is False

    await ana_ws.send_json({"type": "presence.set", "status": "idle"})
    await presence_of(bob_ws, ana_name, "idle")
    await ana_ws.close()
    # PRESENCE_GRACE_MS is 1 s in these clusters.
    offline = await presence_of(bob_ws, ana_name, "offline", timeout=4)
    assert offline["last_seen"] is not None
    await bob_ws.close()


async def test_kill_9_of_a_process(clients: Callable[..., Client]) -> None:
    """kill -9 of process 0 (plain http: the one-machine trial's shape).

    ana is connected to it; bob to process 1. Within process_ttl_ms * 4/3 bob sees ana offline (her other
    tab, carol-style through nginx, would keep her online: dave has one tab on each process and must stay
    online). nginx sends every new request to the survivor. ana reconnects through nginx, fetches what she
    missed with after=, then gets live messages: every seq exactly once, none missing.
    """
    with cluster(2) as running:
        ana_name, ana_cookie = await account(running, clients, "ana")
        _, bob_cookie = await account(running, clients, "bob")
        dave_name, dave_cookie = await account(running, clients, "dave")
        ana = direct(running, clients, 0, ana_cookie)
        bob = direct(running, clients, 1, bob_cookie)
        dave_nginx = via_nginx(running, clients, dave_cookie)
        room = await _new_room(ana, bob, dave_nginx)
        dave_a = direct(running, clients, 0, dave_cookie)
        dave_b = direct(running, clients, 1, dave_cookie)

        bob_ws, _ = await bob.ws()
        ana_ws, _ = await ana.ws()
        dave_ws_a, _ = await dave_a.ws()
        dave_ws_b, _ = await dave_b.ws()
        # Announced together or apart, as the presence batches fall.
        await presences_of(bob_ws, {ana_name: "online", dave_name: "online"})
        for i in range(3):
            await ana_ws.send_json({"type": "message.send", "room_id": room, "body": f"a{i}", "client_id": f"a{i}"})
        seen = [(await frame_of(ana_ws, "message.ack", skip=MESSAGE_SKIP))["message"]["seq"] for _ in range(3)]
        assert seen == [1, 2, 3]

        killed_at = time.monotonic()
        running.apps[0].kill(signal.SIGKILL)
        msg = await asyncio.wait_for(ana_ws.receive(), 5)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR), msg

        # While ana is away, bob (process 1) writes on.
        for i in range(3):
            await bob_ws.send_json({"type": "message.send", "room_id": room, "body": f"b{i}", "client_id": f"b{i}"})
        # Messages 1-3 (live from process 0) and bob's acks 4-6; then ana's offline within the bound.
        offline = await presence_of(bob_ws, ana_name, "offline", timeout=DEAD_PROCESS_OFFLINE_S + 3)
        elapsed = time.monotonic() - killed_at
        assert elapsed <= DEAD_PROCESS_OFFLINE_S + 1.5, elapsed
        assert offline["user"]["username"] == ana_name

        # dave still has a tab on process 1: he never went offline for bob. Nor for himself.
        await silence(dave_ws_b, 0.3, ())
        board = await (await bob.get("/api/presence")).json()
        statuses = {e["user"]["username"]: e["status"] for e in board["presence"]}
        assert statuses.get(dave_name) == "online", statuses
        assert ana_name not in statuses, statuses

        # nginx: every new request lands on the survivor.
        for _ in range(10):
            assert (await dave_nginx.get("/api/health")).status == 200

        # ana comes back through nginx and catches up from the last seq she had.
        ana_back = via_nginx(running, clients, ana_cookie)
        back_ws, hello = await ana_back.ws()
        assert {r["id"]: r["last_seq"] for r in hello["rooms"]}[room] == 6
        await presence_of(bob_ws, ana_name, "online")
        await bob_ws.send_json({"type": "message.send", "room_id": room, "body": "live", "client_id": "b-live"})

        have = set(seen)
        after = max(seen)
        for _ in range(10):  # pages of catch-up, bounded
            page = await (await ana_back.get(f"/api/rooms/{room}/messages?after={after}")).json()
            for m in page["messages"]:
                assert m["seq"] not in have
                have.add(m["seq"])
                after = m["seq"]
            if not page["has_more"]:
                break
        live = await frame_of(back_ws, "message.new", timeout=10, skip=MESSAGE_SKIP)
        # The live frame may repeat one the page already had (protocol.md: ignore a seq you have); never a gap.
        have.add(live["message"]["seq"])
        assert sorted(have) == list(range(1, 8))
        assert live["message"]["body"] == "live"
        await silence(back_ws, 0.3, ("message.new",))
        # ana_ws too: a socket whose server died stays open on the client side until closed.
        for ws in (ana_ws, bob_ws, back_ws, dave_ws_a, dave_ws_b):
            await ws.close()


async def test_nginx_access_log_never_holds_an_invite_token(echo_app: tuple[TestServer, Path],
                                                            clients: Callable[..., Client]) -> None:
    """An invite link is a password until it is used: nginx must not write it to disk.

    The token reaches nginx in the page's path (/invite/TOKEN), in a query (?invite=TOKEN), and afterwards in the
    Referer of every request the page makes.
    """
    require_nginx()
    dist = require_dist()
    server, scratch = echo_app
    port = free_port_run(1)
    secrets = [
        "Inv1teTokenInPathAAAAAAAAAAAAAAA",
        "Inv1teTokenInQueryBBBBBBBBBBBBBBB",
        "Inv1teTokenInRefererCCCCCCCCCCC",
    ]
    with cluster_mod.running_nginx(port=port, upstreams=[server.port], dist=dist, scratch=scratch):
        client = clients(f"http://127.0.0.1:{port}")
        assert (await client.get(f"/invite/{secrets[0]}")).status == 200
        assert (await client.get(f"/?lang=en&invite={secrets[1]}&x=1")).status == 200
        referer = f"http://127.0.0.1:{port}/invite/{secrets[2]}"
        assert (await client.get("/api/test-echo", headers={"Referer": referer})).status == 200
        log = scratch / "access.log"

        async def all_logged() -> bool:
            return len(log.read_text().splitlines()) >= 3

        await eventually(all_logged, timeout=3)
        text = log.read_text()
        for secret in secrets:
            assert secret not in text, text
        # What is left still says what happened.
        assert "/invite/[redacted]" in text and "invite=[redacted]" in text and "lang=en" in text, text


# --------------------------------------------------------------------------------------------------------
# Files: large bodies on the upload route only, downloads sent by nginx (X-Accel-Redirect)


async def _raw_tls_status(running: Any, head: bytes) -> tuple[int, bytes]:
    """Send a request head (and no body) over TLS; the status and body nginx answers with."""
    context = ssl.create_default_context(cafile=str(running.tls.certificate))
    reader, writer = await asyncio.open_connection("127.0.0.1", running.config.port, ssl=context)
    try:
        writer.write(head)
        await writer.drain()
        response = await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()
    status = int(response.split(b" ", 2)[1])
    return status, response.split(b"\r\n\r\n", 1)[1]


async def test_uploads_and_downloads_through_nginx(tls_cluster: Any, clients: Callable[..., Client]) -> None:
    """A 3 MB upload passes nginx on the upload route (64 KiB stays the limit everywhere else); a Content-Length over
    the route's limit is refused by nginx before the body, in the API's format; downloads are checked by the app
    and sent by nginx from the files directory, with the app's type, disposition and cache headers."""
    _, cookie = await account(tls_cluster, clients, "files")
    browser = via_nginx(tls_cluster, clients, cookie)
    room_id = await _new_room(browser)
    data = os.urandom(3 * 2**20)
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(data), filename="big.bin", content_type="application/octet-stream")
    resp = await browser.post(f"/api/rooms/{room_id}/files", data=form)
    assert resp.status == 201, await resp.text()
    big = (await resp.json())["file"]
    assert big["size"] == len(data)
    image = io.BytesIO()
    PILImage.new("RGB", (30, 20), "red").save(image, "PNG")
    form = aiohttp.FormData()
    form.add_field("file", image.getvalue(), filename="red.png", content_type="image/png")
    png = (await (await browser.post(f"/api/rooms/{room_id}/files", data=form)).json())["file"]

    # The app itself answers with the redirect and no bytes...
    app_resp = await direct(tls_cluster, clients, 0, cookie).get(f"/api/files/{big['id']}")
    target = app_resp.headers["X-Accel-Redirect"]
    assert target.startswith("/_files/") and await app_resp.read() == b""
    # ...nginx sends them.
    resp = await browser.get(f"/api/files/{big['id']}")
    assert resp.status == 200 and await resp.read() == data
    assert resp.headers["Content-Type"] == "application/octet-stream"
    assert resp.headers["Content-Disposition"] == "attachment; filename*=UTF-8''big.bin"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "private, max-age=86400"
    assert "X-Accel-Redirect" not in resp.headers
    resp = await browser.get(f"/api/files/{png['id']}")
    assert resp.status == 200 and await resp.read() == image.getvalue()
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Disposition"] == "inline; filename*=UTF-8''red.png"
    thumb = await browser.get(f"/api/files/{png['id']}/thumbnail")
    assert thumb.status == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    # The internal location is not reachable from outside, and others get 404 from the app.
    assert (await browser.get(target)).status == 404
    _, other_cookie = await account(tls_cluster, clients, "other")
    other = via_nginx(tls_cluster, clients, other_cookie)
    resp = await other.get(f"/api/files/{big['id']}")
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "file_not_found"

    # Over the route's limit by Content-Length: nginx answers without reading a byte of the body.
    head = (
        f"POST /api/rooms/{room_id}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 40000000\r\nConnection: close\r\n\r\n"
    ).encode()
    status, body = await _raw_tls_status(tls_cluster, head)
    assert status == 413 and json.loads(body)["error"]["code"] == "file_too_large"
    # The 64 KiB limit stays on every other route.
    resp = await browser.post("/api/rooms", data=b"x" * 100_000, headers={"Content-Type": "application/json"})
    assert resp.status == 413 and (await resp.json())["error"]["code"] == "payload_too_large"


async def test_without_x_accel_redirect_the_app_streams_files_through_nginx(clients: Callable[..., Client]) -> None:
    """FILES_ACCEL_REDIRECT unset: the app sends the bytes itself (FileResponse), nginx passes them on as they are."""
    with cluster(1, app_env={"FILES_ACCEL_REDIRECT": ""}) as running:
        _, cookie = await account(running, clients, "stream")
        browser = via_nginx(running, clients, cookie)
        room_id = await _new_room(browser)
        data = os.urandom(300_000)
        form = aiohttp.FormData()
        form.add_field("file", io.BytesIO(data), filename="r.bin", content_type="image/png")
        resp = await browser.post(f"/api/rooms/{room_id}/files", data=form)
        assert resp.status == 201, await resp.text()
        file = (await resp.json())["file"]
        app_resp = await direct(running, clients, 0, cookie).get(f"/api/files/{file['id']}")
        assert "X-Accel-Redirect" not in app_resp.headers and await app_resp.read() == data
        resp = await browser.get(f"/api/files/{file['id']}")
        assert resp.status == 200 and await resp.read() == data
        # Claimed image/png, random bytes: sniffed, served as an attachment.
        assert resp.headers["Content-Type"] == "application/octet-stream"
        assert resp.headers["Content-Disposition"] == "attachment; filename*=UTF-8''r.bin"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
