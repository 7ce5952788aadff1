"""Accounts and sessions over REST: register, login, logout, password change, revocation, CSRF by Origin."""

from __future__ import annotations

from aiohttp import ClientResponse

from conftest import PASSWORD, Chat, close_code, connect, next_frame


async def test_register_logs_in_and_me_answers(chat: Chat) -> None:
    server = await chat.server()
    alice = await chat.user(server, "Alice")
    resp = await alice.get("/api/me")
    assert resp.status == 200
    assert (await resp.json())["user"] == {"id": 1, "username": "Alice", "is_admin": False}
    # Logged in by the register response's cookie alone: the request carried it.
    assert "parley_session=" in resp.request_info.headers.get("Cookie", "")


def set_cookies(resp: ClientResponse) -> dict[str, str]:
    """The response's Set-Cookie headers by cookie name."""
    return {header.split("=", 1)[0]: header for header in resp.headers.getall("Set-Cookie")}


async def test_session_and_device_cookie_flags(chat: Chat) -> None:
    server = await chat.server()
    client = await chat.client(server)
    resp = await client.post("/api/auth/register", json={"username": "bob", "password": PASSWORD})
    cookies = set_cookies(resp)
    assert set(cookies) == {"parley_session", "parley_device"}
    for header in cookies.values():
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Secure" not in header
    # The device cookie lasts a year and goes only to the login endpoints.
    assert "Max-Age=31536000" in cookies["parley_device"]
    assert "Path=/api/auth/" in cookies["parley_device"]


async def test_cookie_secure_when_configured(chat: Chat) -> None:
    server = await chat.server(cookie_secure=True)
    client = await chat.client(server)
    resp = await client.post("/api/auth/register", json={"username": "bob", "password": PASSWORD})
    cookies = set_cookies(resp)
    assert "Secure" in cookies["parley_session"]
    assert "Secure" in cookies["parley_device"]


async def test_usernames_unique_regardless_of_case(chat: Chat) -> None:
    server = await chat.server()
    await chat.user(server, "alice")
    other = await chat.client(server)
    resp = await other.post("/api/auth/register", json={"username": "ALICE", "password": PASSWORD})
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "username_taken"


async def test_register_validation(chat: Chat) -> None:
    server = await chat.server()
    client = await chat.client(server)
    cases = [
        {"username": "ab", "password": PASSWORD},
        {"username": "has space", "password": PASSWORD},
        {"username": "_leading", "password": PASSWORD},
        {"username": "x" * 33, "password": PASSWORD},
        {"username": "fine", "password": "short"},
        {"username": "fine"},
        {"username": 5, "password": PASSWORD},
    ]
    for body in cases:
        resp = await client.post("/api/auth/register", json=body)
        assert resp.status == 400, body
        error = (await resp.json())["error"]
        assert error["code"] == "validation_failed"
        assert error["fields"]
    resp = await client.post("/api/auth/register", data=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_json"
    resp = await client.post("/api/auth/register", json=["a", "list"])
    assert (await resp.json())["error"]["code"] == "invalid_json"


async def test_login_and_wrong_password(chat: Chat) -> None:
    server = await chat.server()
    await chat.user(server, "carol")
    client = await chat.client(server)
    resp = await client.post("/api/auth/login", json={"username": "carol", "password": "wrong password"})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "invalid_credentials"
    resp = await client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "invalid_credentials"
    resp = await client.post("/api/auth/login", json={"username": "CAROL", "password": PASSWORD})
    assert resp.status == 200
    assert (await resp.json())["user"]["username"] == "carol"
    assert (await client.get("/api/me")).status == 200


async def test_endpoints_need_a_session(chat: Chat) -> None:
    server = await chat.server()
    client = await chat.client(server)
    for method, path in [("GET", "/api/me"), ("GET", "/api/rooms"), ("POST", "/api/rooms"),
                         ("GET", "/api/rooms/1/messages"), ("POST", "/api/auth/logout"), ("GET", "/api/presence")]:
        resp = await client.request(method, path)
        assert resp.status == 401, path
        assert (await resp.json())["error"]["code"] == "not_authenticated"


async def test_logout_ends_the_session_and_its_sockets(chat: Chat) -> None:
    server = await chat.server()
    dave = await chat.user(server, "dave")
    ws, _ = await connect(dave)
    resp = await dave.post("/api/auth/logout")
    assert resp.status == 204
    assert await close_code(ws) == 4401
    assert (await dave.get("/api/me")).status == 401


async def test_logout_keeps_other_sessions(chat: Chat) -> None:
    server = await chat.server()
    laptop = await chat.user(server, "erin")
    phone = await chat.client(server)
    await phone.post("/api/auth/login", json={"username": "erin", "password": PASSWORD})
    phone_ws, _ = await connect(phone)
    await laptop.post("/api/auth/logout")
    assert (await phone.get("/api/me")).status == 200
    await phone_ws.send_json({"type": "message.send", "room_id": 1, "body": "still here", "client_id": "p1"})
    assert (await next_frame(phone_ws))["type"] == "message.ack"


async def test_stolen_cookie_is_dead_after_logout(chat: Chat) -> None:
    server = await chat.server()
    frank = await chat.user(server, "frank")
    cookies = {c.key: c.value for c in frank.session.cookie_jar}
    await frank.post("/api/auth/logout")
    thief = await chat.client(server)
    thief.session.cookie_jar.update_cookies(cookies)
    assert (await thief.get("/api/me")).status == 401


async def test_password_change_ends_every_session(chat: Chat) -> None:
    server = await chat.server()
    gina = await chat.user(server, "gina")
    other = await chat.client(server)
    await other.post("/api/auth/login", json={"username": "gina", "password": PASSWORD})
    other_ws, _ = await connect(other)
    own_ws, _ = await connect(gina)
    resp = await gina.post("/api/auth/password", json={"current_password": "nope nope", "new_password": "n" * 12})
    assert resp.status == 403
    resp = await gina.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "n" * 12})
    assert resp.status == 200
    for ws in (other_ws, own_ws):
        assert await close_code(ws) == 4401
    assert (await other.get("/api/me")).status == 401
    assert (await gina.get("/api/me")).status == 200  # the caller got a fresh session
    old = await chat.client(server)
    resp = await old.post("/api/auth/login", json={"username": "gina", "password": PASSWORD})
    assert resp.status == 401


async def test_cross_origin_state_change_refused(chat: Chat) -> None:
    server = await chat.server()
    hank = await chat.user(server, "hank")
    resp = await hank.post("/api/rooms", json={"name": "x"}, headers={"Origin": "https://evil.example"})
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "forbidden_origin"
    resp = await hank.post("/api/auth/logout", headers={"Origin": "https://evil.example"})
    assert resp.status == 403
    own = f"http://{server.host}:{server.port}"
    resp = await hank.post("/api/rooms", json={"name": "ok"}, headers={"Origin": own})
    assert resp.status == 201


async def test_listed_origin_allowed(chat: Chat) -> None:
    server = await chat.server(allowed_origins=frozenset({"https://chat.example.com"}))
    ivy = await chat.user(server, "ivy")
    resp = await ivy.post("/api/rooms", json={"name": "ok"}, headers={"Origin": "https://chat.example.com"})
    assert resp.status == 201


async def test_health(chat: Chat) -> None:
    server = await chat.server()
    client = await chat.client(server)
    resp = await client.get("/api/health")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}


async def test_unknown_api_path_and_method(chat: Chat) -> None:
    server = await chat.server()
    jo = await chat.user(server, "joe")
    resp = await jo.get("/api/nope")
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"
    resp = await jo.delete("/api/me")
    assert resp.status == 405
    assert (await resp.json())["error"]["code"] == "method_not_allowed"


async def test_oversized_body_refused(chat: Chat) -> None:
    server = await chat.server()
    kai = await chat.user(server, "kai")
    resp = await kai.post("/api/rooms", data=b"{" + b" " * 70_000 + b"}", headers={"Content-Type": "application/json"})
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "payload_too_large"
