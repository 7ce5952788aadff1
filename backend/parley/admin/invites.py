"""`parley invite create | list | revoke`: invite links for REGISTRATION=invite (actions/invites.py has the rules).

The token is printed once, by `create`; only its hash is stored, so `list` shows ids and states, and `revoke`
takes either the token or the id `list` shows.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from parley.actions.invites import MAX_EXPIRY_S, Invites
from parley.admin.history import duration_ms
from parley.admin.tools import AdminCommand, Context, listing, runner, when
from parley.clock import Clock
from parley.errors import ApiError, CliError
from parley.models import Invite


def add_commands(sub: Any, clock_factory: Callable[[], Clock]) -> None:
    text = "make, list and revoke invite links (for REGISTRATION=invite)"
    parser: argparse.ArgumentParser = sub.add_parser("invite", help=text, description=text)
    actions = parser.add_subparsers(dest="invite_action", required=True, metavar="ACTION")

    def action(name: str, func: AdminCommand, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=runner(func, clock_factory))
        return p

    p = action("create", create, "make a single-use invite and print its token (shown only this once)")
    p.add_argument(
        "--expires", default="7d", metavar="DURATION", help="how long it stays valid: 7d (default), 12h, 90m; up to 90d"
    )
    p.add_argument("--url", help="the server's public address, to print the whole link (https://chat.example.com)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = action("list", list_invites, "list invites, newest first: id, state, created, expires, used by")
    p.add_argument("--json", action="store_true", help="one JSON object per invite, one per line")
    p = action("revoke", revoke, "revoke an unused invite, by its token or by the id `invite list` shows")
    p.add_argument("invite", metavar="TOKEN|ID")


def _record(invites: Invites, invite: Invite) -> dict[str, Any]:
    return {
        "id": invite.id,
        "state": invites.state(invite),
        "created_at": invite.created_at,
        "expires_at": invite.expires_at,
        "created_by": None if invite.created_by is None else invite.created_by.username,
        "used_by": None if invite.used_by is None else invite.used_by.username,
        "used_at": invite.used_at,
    }


async def create(args: argparse.Namespace, ctx: Context) -> int:
    expires_ms = duration_ms(args.expires)
    if expires_ms > MAX_EXPIRY_S * 1000:
        raise CliError(f"bad duration {args.expires!r}: an invite lasts at most {MAX_EXPIRY_S // 86_400}d")
    invites = Invites(store=ctx.store, clock=ctx.clock)
    invite, token = await invites.create(None, expires_ms // 1000)
    link = f"{args.url.rstrip('/')}/invite/{token}" if args.url else None
    if args.json:
        print(json.dumps({**_record(invites, invite), "token": token, "link": link}))
        return 0
    print(f"invite {invite.id}, valid until {when(invite.expires_at)} UTC, for one registration:")
    print(token)
    print(f"link: {link}" if link else f"link: https://<your server>/invite/{token}")
    return 0


async def list_invites(args: argparse.Namespace, ctx: Context) -> int:
    invites = Invites(store=ctx.store, clock=ctx.clock)
    records = [_record(invites, i) for i in await invites.list()]
    listing(
        records,
        args.json,
        ("id", "state", "created (UTC)", "expires (UTC)", "by", "used by"),
        lambda r: (
            r["id"],
            r["state"],
            when(r["created_at"]),
            when(r["expires_at"]),
            r["created_by"] or "(cli)",
            r["used_by"] or "",
        ),
    )
    return 0


async def revoke(args: argparse.Namespace, ctx: Context) -> int:
    invites = Invites(store=ctx.store, clock=ctx.clock)
    given = args.invite.strip()
    # Ids are short numbers; tokens are 32 URL-safe characters, never mistaken for one.
    invite_id = int(given) if given.isdigit() and len(given) <= 18 else await invites.id_of_token(given)
    if invite_id is None:
        raise CliError("no invite has that token (only ids from `parley invite list` and whole tokens work)")
    try:
        invite = await invites.revoke(invite_id)
    except ApiError:
        raise CliError(f"no invite with id {invite_id}") from None
    state = invites.state(invite)
    if state == "revoked":
        print(f"invite {invite.id} revoked")
    else:
        print(f"invite {invite.id} is {state}; nothing to revoke")
    return 0
