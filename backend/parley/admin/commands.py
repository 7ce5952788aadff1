"""`parley` admin commands: users, rooms, stats and who is online, against the server's own DATABASE_URL.

Policy:
- Each command does one thing through the store (no SQL here); what the admin API can do too goes through the
  same rules (actions/administration.py). Operator mistakes raise CliError: one line, exit 1.
- Passwords never come from argv: an interactive prompt (asked twice) or one line on stdin (--password-stdin).
- Ending sessions (disable, reset-password) goes through the revocations log: every running server polls it and
  closes that user's WebSockets with 4401 within its poll interval.
- Presence lives in the running server's memory, so `online` asks it over the admin API, with a short-lived
  session of an admin account that it makes (same database, same SECRET_KEY) and ends afterwards.
History (export, import, purge) is in history.py, delete-message in messages.py, invites in invites.py, the
shared plumbing in tools.py.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

import aiohttp

from parley.actions import names
from parley.actions.accounts import passwords_for
from parley.actions.administration import MAX_PAGE
from parley.actions.sessions import COOKIE_NAME, cookie_value, new_session_id
from parley.admin import backup, doctor, history, invites, messages
from parley.admin.tools import (
    AdminCommand,
    Context,
    account,
    checked_room_name,
    listing,
    room_named,
    runner,
    table,
    when,
)
from parley.clock import Clock, SystemClock
from parley.errors import CliError
from parley.live.room_changes import MEMBER_ADDED
from parley.settings import Settings
from parley.store import Conflict

# Seconds `parley online` waits for the server's answer.
ONLINE_TIMEOUT_S = 10.0


def add_commands(sub: Any, *, clock_factory: Callable[[], Clock] = SystemClock) -> None:
    """Register every admin command on the `parley` subparsers."""

    def command(name: str, func: AdminCommand, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(func=runner(func, clock_factory))
        return parser

    def password_input(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password as one line from stdin (for scripts)"
        )

    p = command("create-user", create_user, "create a user account (the password is asked for, never an argument)")
    p.add_argument("name")
    p.add_argument("--admin", action="store_true", help="make the user an administrator")
    password_input(p)
    p = command("reset-password", reset_password, "set a user's password and end all their sessions")
    p.add_argument("name")
    password_input(p)
    for name, func, text in (
        ("set-admin", set_admin, "make a user an administrator"),
        ("unset-admin", unset_admin, "take administrator rights away from a user"),
        ("disable", disable, "disable a user: logged out everywhere (open WebSockets too), cannot log in"),
        ("enable", enable, "enable a disabled user again"),
        ("end-sessions", end_sessions, "log a user out everywhere (open WebSockets too); the password stays"),
    ):
        command(name, func, text).add_argument("name")
    p = command("list-users", list_users, "list user accounts")
    p.add_argument("--search", default="", metavar="TEXT", help="only the users whose name contains TEXT (any case)")
    p.add_argument("--json", action="store_true", help="one JSON object per user, one per line")

    p = command("create-room", create_room, "create a room")
    p.add_argument("name")
    p.add_argument("--private", action="store_true", help="only members see it (add them with add-member)")
    p.add_argument("--topic", default="", help="the room's topic")
    p = command("rename-room", rename_room, "rename a room (its id, members and history stay)")
    p.add_argument("old")
    p.add_argument("new")
    command("archive-room", archive_room, "make a room read-only").add_argument("name")
    command("unarchive-room", unarchive_room, "make an archived room writable again").add_argument("name")
    p = command("list-rooms", list_rooms, "list every room, private ones included")
    p.add_argument("--json", action="store_true", help="one JSON object per room, one per line")
    for name, func, text in (
        ("add-member", add_member, "add a user to a room"),
        ("remove-member", remove_member, "remove a user from a room"),
    ):
        p = command(name, func, text)
        p.add_argument("room")
        p.add_argument("user")

    history.add_commands(command)
    messages.add_commands(command)
    backup.add_commands(command)
    doctor.add_command(sub)
    invites.add_commands(sub, clock_factory)

    p = command("stats", stats, "count users, rooms and messages; show the database size")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = command("online", online, "ask the running server who is connected to it right now")
    p.add_argument("--as", dest="as_admin", metavar="ADMIN", help="the admin account to ask as (default: the first)")
    p.add_argument("--url", help="the server's address (default: http://HOST:PORT from the environment)")
    p.add_argument("--json", action="store_true", help="print the server's answer as JSON")


def read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    elif not sys.stdin.isatty():
        raise CliError("stdin is not a terminal to ask for the password on: pipe it in with --password-stdin")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            raise CliError("the passwords do not match")
    problem = names.password_problem(password)
    if problem is not None:
        raise CliError(problem)
    return password


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


# -- users ----------------------------------------------------------------------------------------------------


async def create_user(args: argparse.Namespace, ctx: Context) -> int:
    if names.username_problem(args.name) is not None:
        raise CliError(
            f"bad username {args.name!r}: 3-32 characters from A-Z a-z 0-9 _ . -, starting with a letter or digit"
        )
    if await ctx.store.account_by_name(args.name) is not None:
        raise CliError(f"a user named {args.name!r} exists")
    password_hash = await passwords_for(ctx.settings).hash(read_password(args))
    try:
        created = await ctx.store.create_user(args.name, password_hash, ctx.clock.now_ms(), is_admin=args.admin)
    except Conflict:
        raise CliError(f"a user named {args.name!r} exists") from None
    print(f"created {'admin' if args.admin else 'user'} {created.username} (id {created.id})")
    return 0


async def reset_password(args: argparse.Namespace, ctx: Context) -> int:
    user = await account(ctx.store, args.name)
    password_hash = await passwords_for(ctx.settings).hash(read_password(args))
    ended = await ctx.store.set_password(user.id, password_hash, ctx.clock.now_ms())
    print(f"password of {user.username} changed; {len(ended)} session(s) ended")
    return 0


async def set_admin(args: argparse.Namespace, ctx: Context) -> int:
    user = await account(ctx.store, args.name)
    await ctx.admin().set_admin(None, user.id, True)
    print(f"{user.username} is an admin")
    return 0


async def unset_admin(args: argparse.Namespace, ctx: Context) -> int:
    user = await account(ctx.store, args.name)
    await ctx.admin().set_admin(None, user.id, False)
    print(f"{user.username} is not an admin")
    return 0


async def disable(args: argparse.Namespace, ctx: Context) -> int:
    user = await account(ctx.store, args.name)
    _, ended = await ctx.admin().set_disabled(None, user.id, True)
    print(f"{user.username} disabled; {ended} session(s) ended")
    return 0


async def enable(args: argparse.Namespace, ctx: Context) -> int:
    user = await account(ctx.store, args.name)
    await ctx.admin().set_disabled(None, user.id, False)
    print(f"{user.username} enabled")
    return 0


async def end_sessions(args: argparse.Namespace, ctx: Context) -> int:
    user = await account(ctx.store, args.name)
    _, ended = await ctx.admin().end_sessions(user.id)
    print(f"{ended} session(s) of {user.username} ended")
    return 0


async def list_users(args: argparse.Namespace, ctx: Context) -> int:
    admin, found, offset = ctx.admin(), [], 0
    while True:
        page = await admin.search_users(args.search, offset, MAX_PAGE)
        found.extend(page.accounts)
        offset += len(page.accounts)
        if not page.accounts or offset >= page.total:
            break
    accounts = sorted(found, key=lambda a: a.id)
    records = [
        {
            "id": a.id,
            "username": a.username,
            "is_admin": a.is_admin,
            "disabled": a.disabled,
            "created_at": a.created_at,
            "last_seen": a.last_seen,
        }
        for a in accounts
    ]
    listing(
        records,
        args.json,
        ("id", "username", "admin", "disabled", "created (UTC)", "last seen (UTC)"),
        lambda r: (
            r["id"],
            r["username"],
            _yes(r["is_admin"]),
            _yes(r["disabled"]),
            when(r["created_at"]),
            when(r["last_seen"]),
        ),
    )
    return 0


# -- rooms ----------------------------------------------------------------------------------------------------


async def create_room(args: argparse.Namespace, ctx: Context) -> int:
    checked_room_name(args.name, args.topic)
    try:
        topic = names.clean_text(args.topic)
        room = await ctx.store.create_room(args.name, topic, args.private, None, ctx.clock.now_ms())
    except Conflict:
        raise CliError(f"a room named {args.name!r} exists") from None
    print(f"created {'private' if room.private else 'public'} room {room.name} (id {room.id})")
    return 0


async def rename_room(args: argparse.Namespace, ctx: Context) -> int:
    room = await room_named(ctx.store, args.old)
    renamed = await ctx.admin().rename_room(room.id, args.new)
    print(f"renamed room {room.name} to {renamed.name} (id {room.id})")
    return 0


async def _archive(args: argparse.Namespace, ctx: Context, archived: bool) -> int:
    room = await room_named(ctx.store, args.name)
    await ctx.admin().set_archived(room.id, archived)
    print(f"room {room.name} is {'archived (read-only)' if archived else 'writable again'}")
    return 0


async def archive_room(args: argparse.Namespace, ctx: Context) -> int:
    return await _archive(args, ctx, True)


async def unarchive_room(args: argparse.Namespace, ctx: Context) -> int:
    return await _archive(args, ctx, False)


async def list_rooms(args: argparse.Namespace, ctx: Context) -> int:
    rooms = sorted(await ctx.store.all_rooms(), key=lambda r: r.id)
    members = await ctx.store.room_member_counts()
    # A DM has no name: the table shows its members instead.
    names_of = {r.id: [u.username for u in r.members] for r in rooms}
    records = [
        {
            "id": r.id,
            "kind": r.kind,
            "name": r.name,
            "topic": r.topic,
            "private": r.private,
            "archived": r.archived,
            "members": members.get(r.id, 0),
            "last_seq": r.last_seq,
            "created_at": r.created_at,
        }
        for r in rooms
    ]
    listing(
        records,
        args.json,
        ("id", "name", "private", "archived", "members", "last seq", "created (UTC)", "topic"),
        lambda r: (
            r["id"],
            r["name"] or f"(dm: {', '.join(names_of[r['id']])})",
            _yes(r["private"]),
            _yes(r["archived"]),
            r["members"],
            r["last_seq"],
            when(r["created_at"]),
            r["topic"],
        ),
    )
    return 0


async def add_member(args: argparse.Namespace, ctx: Context) -> int:
    room = await room_named(ctx.store, args.room)
    user = await account(ctx.store, args.user)
    added = await ctx.store.add_member(room.id, user.id, ctx.clock.now_ms())
    if added:
        await ctx.store.log_room_event(room.id, user.id, MEMBER_ADDED, ctx.clock.now_ms())
    print(f"{user.username} {'added to' if added else 'was already a member of'} {room.name}")
    return 0


async def remove_member(args: argparse.Namespace, ctx: Context) -> int:
    room = await room_named(ctx.store, args.room)
    user = await account(ctx.store, args.user)
    removed = await ctx.admin().remove_member(room.id, user.id)
    print(f"{user.username} {'removed from' if removed else 'was not a member of'} {room.name}")
    return 0


# -- the installation -----------------------------------------------------------------------------------------


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


async def stats(args: argparse.Namespace, ctx: Context) -> int:
    counts = await ctx.admin().stats()
    size_bytes = counts["database_bytes"]
    if args.json:
        print(json.dumps(counts))
        return 0
    table(
        ("what", "count"),
        [
            ("users", f"{counts['users']} ({counts['admins']} admin, {counts['disabled_users']} disabled)"),
            ("rooms", f"{counts['rooms']} ({counts['archived_rooms']} archived)"),
            ("messages", counts["messages"]),
            ("sessions", counts["sessions"]),
            (f"database ({ctx.store.kind})", size(size_bytes)),
        ],
    )
    return 0


def server_url(settings: Settings) -> str:
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)  # noqa: S104
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


async def online(args: argparse.Namespace, ctx: Context) -> int:
    if args.as_admin:
        admin = await account(ctx.store, args.as_admin)
        if not admin.is_admin or admin.disabled:
            raise CliError(f"{admin.username} is not an enabled admin")
    else:
        admins = sorted(
            (a for a in await ctx.store.list_accounts() if a.is_admin and not a.disabled), key=lambda a: a.id
        )
        if not admins:
            raise CliError("there is no enabled admin to ask as: `parley create-user NAME --admin`, or pass --as")
        admin = admins[0]
    url = (args.url or server_url(ctx.settings)).rstrip("/")
    session_id = new_session_id()
    cookie = cookie_value(ctx.settings.secret_key, session_id, ctx.clock.now_ms() // 1000)
    await ctx.store.create_session(session_id, admin.id, ctx.clock.now_ms())
    try:
        body = await _get_json(f"{url}/api/admin/online", {"Cookie": f"{COOKIE_NAME}={cookie}"})
    finally:
        await ctx.store.end_session(session_id, ctx.clock.now_ms())
    entries = body.get("online", [])
    if args.json:
        print(json.dumps(body, ensure_ascii=False))
        return 0
    table(
        ("id", "username", "status", "connections"),
        [(e["user"]["id"], e["user"]["username"], e["status"], e["connections"]) for e in entries],
    )
    print(f"{len(entries)} user(s) connected to {url}")
    return 0


async def _get_json(url: str, headers: dict[str, str]) -> dict[str, Any]:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=ONLINE_TIMEOUT_S)) as http,
            http.get(url, headers=headers) as resp,
        ):
            try:
                body = await resp.json()
            except (aiohttp.ContentTypeError, ValueError):
                raise CliError(f"{url} answered {resp.status} without JSON: is that a Parley server?") from None
            if resp.status != 200:
                error = body.get("error", {}) if isinstance(body, dict) else {}
                raise CliError(f"{url} answered {resp.status} {error.get('code', '')}: {error.get('message', '')}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise CliError(f"cannot reach the server at {url}: {exc or type(exc).__name__}") from None
    if not isinstance(body, dict):
        raise CliError(f"{url} answered with something other than a JSON object")
    return body
