"""The admin REST API (/api/admin/...): who is online, the server's totals, users (search, disable, admin flag,
end sessions), rooms (list, archive, rename, members), invites.

Only administrators: anyone else gets 403 `forbidden` (the auth middleware has already refused the anonymous).
Thin: load the schema, call actions/administration.py (the same methods the `parley` commands call), answer.
Disabling closes the user's sockets in this process at once; other processes close theirs from the revocations
log. Room changes reach the room's members as `room.updated` / `member.left`. `online` lists everyone present on
any process (the presence board), with this process's connection counts.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from parley import errors, keys
from parley.actions.administration import RoomEntry
from parley.actions.invites import DEFAULT_EXPIRY_S, invite_not_found
from parley.live import wire
from parley.models import Account, Invite, User
from parley.web import schemas
from parley.web.bodies import load, load_body

routes = web.RouteTableDef()
_invite_create = schemas.InviteCreate()
_users_query = schemas.AdminUsersQuery()
_admin_flag = schemas.AdminFlag()
_rename = schemas.RoomRename()


def check_admin(request: web.Request) -> User:
    user = request[keys.USER]
    if not user.is_admin:
        raise errors.ApiError(403, "forbidden", "Administrators only.")
    return user


def _id(request: web.Request, name: str, not_found: errors.ApiError) -> int:
    try:
        value = int(request.match_info[name])
    except ValueError:
        raise not_found from None
    if not 1 <= value < 2**63:
        raise not_found
    return value


def admin_user(account: Account, status: str) -> wire.Json:
    return {
        "id": account.id,
        "username": account.username,
        "is_admin": account.is_admin,
        "disabled": account.disabled,
        "created_at": account.created_at,
        "last_seen": account.last_seen,
        "status": status,
    }


@routes.get("/api/admin/online")
async def online(request: web.Request) -> web.Response:
    check_admin(request)
    hub, live = request.app[keys.HUB], request.app[keys.LIVE]
    entries: list[dict[str, Any]] = []
    # Everyone present on any process (with Redis, the board holds every process's users); "connections" counts
    # those on this process.
    for user_id in live.board.present_user_ids():
        user = live.board.user(user_id)
        if user is None:
            continue
        conns = len(hub.user_connections(user_id))
        entries.append({"user": wire.user(user), "status": live.status(user_id), "connections": conns})
    entries.sort(key=lambda e: (e["user"]["username"].lower(), e["user"]["id"]))
    return web.json_response({"online": entries})


@routes.get("/api/admin/stats")
async def stats(request: web.Request) -> web.Response:
    check_admin(request)
    numbers = await request.app[keys.ADMINISTRATION].stats()
    live = request.app[keys.LIVE]
    # Live figures: users present on any process (the presence board), WebSockets open to this process.
    numbers["online"] = len(live.board.present_user_ids())
    numbers["connections"] = len(request.app[keys.HUB].connections)
    return web.json_response({"stats": numbers})


@routes.get("/api/admin/users")
async def users(request: web.Request) -> web.Response:
    check_admin(request)
    try:
        query = load(_users_query, dict(request.query))
    except errors.ApiError as exc:
        message = "q is at most 64 characters, offset a whole number >= 0, limit one from 1 to 200."
        raise errors.ApiError(400, "invalid_query", message, **exc.extra) from None
    page = await request.app[keys.ADMINISTRATION].search_users(query["q"], query["offset"], query["limit"])
    live = request.app[keys.LIVE]
    return web.json_response({"users": [admin_user(a, live.status(a.id)) for a in page.accounts], "total": page.total})


def _user_answer(request: web.Request, account: Account, **extra: Any) -> web.Response:
    return web.json_response({"user": admin_user(account, request.app[keys.LIVE].status(account.id)), **extra})


async def _set_disabled(request: web.Request, disabled: bool) -> web.Response:
    actor = check_admin(request)
    user_id = _id(request, "user_id", errors.user_not_found())
    account, _ = await request.app[keys.ADMINISTRATION].set_disabled(actor, user_id, disabled)
    return _user_answer(request, account)


@routes.post("/api/admin/users/{user_id}/disable")
async def disable(request: web.Request) -> web.Response:
    return await _set_disabled(request, True)


@routes.post("/api/admin/users/{user_id}/enable")
async def enable(request: web.Request) -> web.Response:
    return await _set_disabled(request, False)


@routes.put("/api/admin/users/{user_id}/admin")
async def set_admin(request: web.Request) -> web.Response:
    actor = check_admin(request)
    user_id = _id(request, "user_id", errors.user_not_found())
    data = await load_body(request, _admin_flag)
    account = await request.app[keys.ADMINISTRATION].set_admin(actor, user_id, data["is_admin"])
    return _user_answer(request, account)


@routes.delete("/api/admin/users/{user_id}/sessions")
async def end_sessions(request: web.Request) -> web.Response:
    check_admin(request)
    user_id = _id(request, "user_id", errors.user_not_found())
    account, ended = await request.app[keys.ADMINISTRATION].end_sessions(user_id)
    return _user_answer(request, account, ended=ended)


def admin_room(entry: RoomEntry) -> wire.Json:
    r = entry.room
    return {
        "id": r.id,
        "name": r.name,
        "topic": r.topic,
        "private": r.private,
        "archived": r.archived,
        "last_seq": r.last_seq,
        "created_at": r.created_at,
        "member_count": entry.members,
    }


@routes.get("/api/admin/rooms")
async def rooms(request: web.Request) -> web.Response:
    check_admin(request)
    entries = await request.app[keys.ADMINISTRATION].rooms()
    return web.json_response({"rooms": [admin_room(e) for e in entries]})


async def _room_answer(request: web.Request, actor: User, room_id: int, changed: Any) -> web.Response:
    room = await changed
    joined = await request.app[keys.ADMINISTRATION].is_member(room_id, actor.id)
    return web.json_response({"room": wire.shared_room(room, joined=joined)})


async def _set_archived(request: web.Request, archived: bool) -> web.Response:
    actor = check_admin(request)
    room_id = _id(request, "room_id", errors.room_not_found())
    return await _room_answer(request, actor, room_id, request.app[keys.ADMINISTRATION].set_archived(room_id, archived))


@routes.post("/api/admin/rooms/{room_id}/archive")
async def archive(request: web.Request) -> web.Response:
    return await _set_archived(request, True)


@routes.post("/api/admin/rooms/{room_id}/unarchive")
async def unarchive(request: web.Request) -> web.Response:
    return await _set_archived(request, False)


@routes.patch("/api/admin/rooms/{room_id}")
async def rename_room(request: web.Request) -> web.Response:
    actor = check_admin(request)
    room_id = _id(request, "room_id", errors.room_not_found())
    data = await load_body(request, _rename)
    return await _room_answer(
        request, actor, room_id, request.app[keys.ADMINISTRATION].rename_room(room_id, data["name"])
    )


@routes.get("/api/admin/rooms/{room_id}/members")
async def room_members(request: web.Request) -> web.Response:
    check_admin(request)
    room_id = _id(request, "room_id", errors.room_not_found())
    members = await request.app[keys.ADMINISTRATION].members(room_id)
    live = request.app[keys.LIVE]
    return web.json_response({"members": [wire.member(m, live.status(m.id)) for m in members]})


@routes.delete("/api/admin/rooms/{room_id}/members/{user_id}")
async def remove_member(request: web.Request) -> web.Response:
    check_admin(request)
    room_id = _id(request, "room_id", errors.room_not_found())
    user_id = _id(request, "user_id", errors.user_not_found())
    removed = await request.app[keys.ADMINISTRATION].remove_member(room_id, user_id)
    return web.json_response({"removed": removed})


def admin_invite(invite: Invite, state: str) -> wire.Json:
    return {
        "id": invite.id,
        "state": state,
        "created_at": invite.created_at,
        "expires_at": invite.expires_at,
        "created_by": None if invite.created_by is None else wire.user(invite.created_by),
        "used_at": invite.used_at,
        "used_by": None if invite.used_by is None else wire.user(invite.used_by),
        "revoked_at": invite.revoked_at,
    }


@routes.post("/api/admin/invites")
async def create_invite(request: web.Request) -> web.Response:
    actor = check_admin(request)
    # The body is optional: `curl -X POST` makes an invite with the default expiry.
    data = await load_body(request, _invite_create) if request.can_read_body else {"expires_s": None}
    invites = request.app[keys.INVITES]
    expires_s = DEFAULT_EXPIRY_S if data["expires_s"] is None else data["expires_s"]
    invite, token = await invites.create(actor, expires_s)
    return web.json_response({"invite": admin_invite(invite, invites.state(invite)), "token": token}, status=201)


@routes.get("/api/admin/invites")
async def list_invites(request: web.Request) -> web.Response:
    check_admin(request)
    invites = request.app[keys.INVITES]
    return web.json_response({"invites": [admin_invite(i, invites.state(i)) for i in await invites.list()]})


@routes.delete("/api/admin/invites/{invite_id}")
async def revoke_invite(request: web.Request) -> web.Response:
    check_admin(request)
    invites = request.app[keys.INVITES]
    invite = await invites.revoke(_id(request, "invite_id", invite_not_found()))
    return web.json_response({"invite": admin_invite(invite, invites.state(invite))})
