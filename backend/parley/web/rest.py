"""REST handlers: load the body with its schema, call the rules layer, answer JSON. One route table."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from parley import errors, keys
from parley.live import wire
from parley.store import DatabaseUnavailable
from parley.web import schemas
from parley.web.bodies import load, load_body
from parley.web.http import client_address
from parley.web.sessions import device_token, drop_session, put_device, put_session

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

_registration = schemas.Registration()
_login = schemas.Login()
_password = schemas.PasswordChange()
_room_create = schemas.RoomCreate()
_member_add = schemas.MemberAdd()
_history = schemas.HistoryQuery()
_mute = schemas.MuteSet()
_dm_open = schemas.DmOpen()
_changes = schemas.ChangesQuery()

# Seconds a health check waits for the database before calling it unavailable.
HEALTH_TIMEOUT_S = 3.0


def _room_id(request: web.Request) -> int:
    try:
        room_id = int(request.match_info["room_id"])
    except ValueError:
        raise errors.room_not_found() from None
    if not 1 <= room_id < 2**63:
        raise errors.room_not_found()
    return room_id


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S):
            await request.app[keys.STORE].ping()
    except (DatabaseUnavailable, TimeoutError, OSError):
        raise errors.ApiError(503, "database_unavailable", "The database is unreachable.") from None
    except Exception:
        log.exception("health check failed")
        raise errors.ApiError(503, "database_unavailable", "The database is unreachable.") from None
    return web.json_response({"status": "ok"})


@routes.get("/api/ready")
async def ready(request: web.Request) -> web.Response:
    """Readiness, for load balancers: 503 while a dependency this process needs is down, naming it."""
    database, redis = await asyncio.gather(_database_state(request), request.app[keys.BROKER].link_state())
    checks = {"database": database, "redis": redis}
    return web.json_response({"checks": checks}, status=503 if "down" in checks.values() else 200)


async def _database_state(request: web.Request) -> str:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S):
            await request.app[keys.STORE].ping()
    except (DatabaseUnavailable, TimeoutError, OSError):
        return "down"
    except Exception:
        log.exception("readiness check of the database failed")
        return "down"
    return "ok"


@routes.get("/api/auth/registration")
async def registration(request: web.Request) -> web.Response:
    """Who may register here (REGISTRATION), so the web app shows the right form."""
    return web.json_response({"registration": request.app[keys.SETTINGS].registration})


@routes.post("/api/auth/register")
async def register(request: web.Request) -> web.Response:
    data = await load_body(request, _registration)
    logged_in = await request.app[keys.ACCOUNTS].register(
        client_address(request), data["username"], data["password"], data["invite"]
    )
    await put_session(request, logged_in)
    response = web.json_response({"user": wire.me(logged_in.user)}, status=201)
    put_device(request, response, logged_in)
    return response


@routes.post("/api/auth/login")
async def login(request: web.Request) -> web.Response:
    data = await load_body(request, _login)
    logins = request.app[keys.EDGE_METER].logins
    try:
        logged_in = await request.app[keys.ACCOUNTS].login(
            client_address(request), data["username"], data["password"], device_token(request)
        )
    except errors.ApiError as exc:
        logins.add("throttled" if exc.code == "rate_limited" else "failure")
        raise
    logins.add("success")
    await put_session(request, logged_in)
    response = web.json_response({"user": wire.me(logged_in.user)})
    put_device(request, response, logged_in)
    return response


@routes.post("/api/auth/logout")
async def logout(request: web.Request) -> web.Response:
    await request.app[keys.ACCOUNTS].logout(request[keys.SESSION_ID])
    await drop_session(request)
    return web.Response(status=204)


@routes.post("/api/auth/password")
async def change_password(request: web.Request) -> web.Response:
    data = await load_body(request, _password)
    logged_in = await request.app[keys.ACCOUNTS].change_password(
        request[keys.USER],
        data["current_password"],
        data["new_password"],
        client_address(request),
        device_token(request),
    )
    await put_session(request, logged_in)
    response = web.json_response({"user": wire.me(logged_in.user)})
    put_device(request, response, logged_in)
    return response


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    return web.json_response({"user": wire.me(request[keys.USER])})


@routes.get("/api/rooms")
async def list_rooms(request: web.Request) -> web.Response:
    rooms = await request.app[keys.ROOMS].list_rooms(request[keys.USER])
    return web.json_response({"rooms": [wire.room(room, joined=joined) for room, joined in rooms]})


@routes.post("/api/rooms")
async def create_room(request: web.Request) -> web.Response:
    data = await load_body(request, _room_create)
    room = await request.app[keys.ROOMS].create_room(request[keys.USER], data["name"], data["topic"], data["private"])
    return web.json_response({"room": wire.room(room, joined=True)}, status=201)


@routes.post("/api/rooms/{room_id}/join")
async def join_room(request: web.Request) -> web.Response:
    room = await request.app[keys.ROOMS].join(request[keys.USER], _room_id(request))
    return web.json_response({"room": wire.room(room, joined=True)})


@routes.post("/api/rooms/{room_id}/leave")
async def leave_room(request: web.Request) -> web.Response:
    await request.app[keys.ROOMS].leave(request[keys.USER], _room_id(request))
    return web.Response(status=204)


@routes.get("/api/rooms/{room_id}/members")
async def list_members(request: web.Request) -> web.Response:
    members = await request.app[keys.ROOMS].members(request[keys.USER], _room_id(request))
    return web.json_response({"members": [wire.member(m, status) for m, status in members]})


@routes.post("/api/rooms/{room_id}/members")
async def add_member(request: web.Request) -> web.Response:
    data = await load_body(request, _member_add)
    member = await request.app[keys.ROOMS].add_member(request[keys.USER], _room_id(request), data["username"])
    status = request.app[keys.LIVE].status(member.id)
    return web.json_response({"member": wire.member(member, status)})


@routes.put("/api/rooms/{room_id}/mute")
async def mute_room(request: web.Request) -> web.Response:
    data = await load_body(request, _mute)
    room_id = _room_id(request)
    await request.app[keys.MUTES].set_muted(request[keys.USER], room_id, data["muted"])
    return web.json_response({"room_id": room_id, "muted": data["muted"]})


@routes.get("/api/rooms/{room_id}/messages")
async def history(request: web.Request) -> web.Response:
    try:
        query = load(_history, dict(request.query))
    except errors.ApiError as exc:
        message = "before, after and around must be whole numbers >= 0, limit a whole number >= 1."
        raise errors.ApiError(400, "invalid_query", message, **exc.extra) from None
    page, more_after = await request.app[keys.MESSAGES].history(request[keys.USER], _room_id(request), query)
    answer = {"messages": [wire.message(m) for m in page.messages], "has_more": page.has_more}
    if more_after is not None:
        answer.update(has_more_before=page.has_more, has_more_after=more_after)
    return web.json_response(answer)


@routes.get("/api/rooms/{room_id}/changes")
async def changes(request: web.Request) -> web.Response:
    try:
        query = load(_changes, dict(request.query))
    except errors.ApiError as exc:
        message = "since must be a whole number >= 0, limit a whole number >= 1."
        raise errors.ApiError(400, "invalid_query", message, **exc.extra) from None
    page, cursor = await request.app[keys.MESSAGES].changes(
        request[keys.USER], _room_id(request), query["since"], query["limit"]
    )
    return web.json_response(
        {"messages": [wire.message(m) for m in page.messages], "change_seq": cursor, "has_more": page.has_more}
    )


@routes.post("/api/dms")
async def open_dm(request: web.Request) -> web.Response:
    data = await load_body(request, _dm_open)
    room = await request.app[keys.DMS].open(request[keys.USER], data["usernames"])
    return web.json_response({"room": wire.room(room, joined=True)})


@routes.get("/api/presence")
async def presence(request: web.Request) -> web.Response:
    user_id = request[keys.USER].id
    entries = await request.app[keys.LIVE].snapshot(user_id, await request.app[keys.STORE].room_ids_of(user_id))
    return web.json_response({"presence": entries})
