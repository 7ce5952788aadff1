"""`parley delete-message ID`: the operator removes one message (spam, a leaked secret) from any room.
`parley reindex`: the search index made again from every live message (store/search.py, docs/search.md).

The message becomes a tombstone exactly as when its author deletes it (empty body, no reactions, its files and
their bytes deleted; its seq stays), also in an archived room, which is read-only for users but not for the
operator. Running servers hear of it through the room_events log and send `message.deleted` to the room's open
connections.
"""

from __future__ import annotations

import argparse

from parley.admin import history_files
from parley.admin.tools import Context, Register
from parley.errors import CliError
from parley.live.room_changes import MESSAGES_CHANGED
from parley.store import NotFound


def add_commands(command: Register) -> None:
    p = command("delete-message", delete_message, "delete one message: it stays as a tombstone with an empty body")
    p.add_argument("id", type=int, metavar="ID", help="the message's id (as in exports and the API)")
    command("reindex", reindex, "make the search index again from every message (safe while servers run)")


async def reindex(args: argparse.Namespace, ctx: Context) -> int:
    print(f"indexed {await ctx.store.reindex()} message(s) for search")
    return 0


async def delete_message(args: argparse.Namespace, ctx: Context) -> int:
    if not 1 <= args.id < 2**63:
        raise CliError(f"no message with id {args.id}")
    dropped: list[str] = []
    try:
        deleted = await ctx.store.delete_message(args.id, allow_archived=True, dropped_keys=dropped)
    except NotFound:
        raise CliError(f"no message with id {args.id}") from None
    await history_files.blobs_of(ctx).delete(dropped)  # its files' rows are gone: now their bytes
    if deleted is None:
        print(f"message {args.id} was already deleted")
        return 0
    await ctx.store.log_room_event(deleted.room_id, None, MESSAGES_CHANGED, ctx.clock.now_ms())
    room = await ctx.store.room(deleted.room_id)
    where = "a direct conversation" if room is None or room.kind == "dm" else f"room {room.name}"
    print(f"deleted message {args.id} (seq {deleted.seq} in {where})")
    return 0
