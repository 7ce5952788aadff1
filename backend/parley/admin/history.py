"""`parley export | import | purge`: message history out to JSON Lines, back in, and old history deleted.

Policy:
- export streams (store.iter_messages) one JSON object per line, so memory stays flat at any size; to a file it
  writes FILE.part and renames it at the end, so a file named FILE is always a complete export. Characters that
  some tools take for line breaks inside a line (U+0085, U+2028, U+2029) are written escaped, as JSON allows, so
  every message stays on one line for any line splitter.
- import is idempotent: ids, seqs, authors, bodies, times, client ids, edit times and deletions (tombstones) are
  kept, and a message already stored is skipped. Rooms are matched by name and created (private, no members)
  when missing, since an export does not say who may read them. A direct conversation has no name: it is
  exported with its members' names and matched (or made, with them as members) by those. Authors and DM members
  are matched by username; unknown ones stop the import before anything is written, unless --create-users
  makes them as disabled accounts. The file is read twice (check, then load), so a bad line 900,000 is found
  before line 1 is stored; every room and user to create is checked before the first is created. A UTF-8 byte
  order mark at the start is skipped; a line nested too deeply for the JSON parser is a bad line like any other.
- purge deletes in short batches so a running server keeps serving, and asks before deleting.
- A progress counter goes to stderr only when stderr is a terminal; pipes and logs get none.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from parley.actions import names
from parley.actions.reactions import MAX_EMOJI_PER_MESSAGE
from parley.admin import history_files, history_reactions
from parley.admin.room_refs import RoomRef, open_dms, ref_key, room_ref
from parley.admin.tools import Context, Register, checked_room_name, room_named, when
from parley.errors import CliError
from parley.models import Message
from parley.store.base import room_name_key, username_key
from parley.store.blobs import Blobs

# Messages per import transaction: large enough to amortize the commit, small enough to keep row locks short.
IMPORT_BATCH = 500
# Progress redraws every this many messages: often enough to see it move, rarely enough to cost nothing.
PROGRESS_EVERY = 1000
_DURATION = re.compile(r"^(\d{1,9})([dhm])$")
_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000}
_ID = validate.Range(min=1, max=2**63 - 1)
# Exported authors without a usable password: an admin runs reset-password and enable to bring one to life.
PLACEHOLDER_HASH = "!imported"
# Line breaks to str.splitlines() and to JavaScript-era tools that json.dumps leaves raw (it escapes the rest).
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def add_commands(command: Register) -> None:
    p = command("export", export, "write message history as JSON Lines (one message per line)")
    p.add_argument("--room", metavar="NAME", help="only this room (default: every room)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    p = command("import", import_, "load a JSON Lines export; importing the same file again adds nothing")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--create-users", action="store_true", help="create missing authors as disabled accounts")
    p.add_argument("--public", action="store_true", help="create missing rooms public (default: private)")
    p.add_argument("--files", metavar="DIR", help="where the files the export names are (a copy of its FILES_DIR)")
    p = command("purge", purge, "delete messages older than a given age, in batches")
    p.add_argument("--older-than", required=True, metavar="AGE", help="like 90d, 12h or 30m")
    p.add_argument("--room", metavar="NAME", help="only this room (default: every room)")
    p.add_argument("--dry-run", action="store_true", help="print how many messages would go; delete nothing")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--batch", type=int, default=1000, metavar="N", help="messages per transaction (default 1000)")


class Progress:
    """A counter redrawn on stderr when stderr is a terminal; silent when piped or redirected."""

    def __init__(self, verb: str, total: int | None) -> None:
        self.enabled = sys.stderr.isatty()
        self._verb = verb
        self._total = total
        self._shown = 0

    def update(self, done: int) -> None:
        if self.enabled and done - self._shown >= PROGRESS_EVERY:
            self._shown = done
            of = f" / {self._total:,}" if self._total is not None else ""
            sys.stderr.write(f"\r{self._verb} {done:,}{of} messages")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled and self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


# -- export ---------------------------------------------------------------------------------------------------


def record(m: Message, room: dict[str, Any], blobs: Blobs | None = None) -> dict[str, Any]:
    """One line of an export (with "files" and "reactions" only for a message that has some)."""
    line = {
        "id": m.id,
        "room": room,
        "seq": m.seq,
        "user": {"id": m.user_id, "username": m.username},
        "body": m.body,
        "created_at": m.created_at,
        "client_id": m.client_id,
        "edited_at": m.edited_at,
        "deleted": m.deleted,
    }
    if m.files and blobs is not None:
        line["files"] = history_files.file_records(m, blobs)
    if m.reactions:
        line["reactions"] = history_reactions.reaction_records(m)
    return line


def export_line(data: dict[str, Any]) -> str:
    """One JSON object and a newline; readable UTF-8, with no character any tool may take for a line break."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # These characters only occur inside JSON strings, where their \u escape means the same.
    return text.translate(_LINE_BREAKS) + "\n"


async def export(args: argparse.Namespace, ctx: Context) -> int:
    room_id = (await room_named(ctx.store, args.room)).id if args.room else None
    refs = {r.id: room_ref(r) for r in await ctx.store.all_rooms()}
    blobs = history_files.blobs_of(ctx)
    progress = Progress("exported", await ctx.store.count_messages(room_id) if sys.stderr.isatty() else None)
    target = Path(args.output) if args.output else None
    part = target.with_name(target.name + ".part") if target else None
    try:
        out: TextIO = part.open("w", encoding="utf-8", newline="\n") if part else sys.stdout
    except OSError as exc:
        raise CliError(f"cannot write {part}: {exc.strerror}") from None
    count = 0
    try:
        async for m in ctx.store.iter_messages(room_id):
            if m.room_id not in refs:  # created while the export ran
                room = await ctx.store.room(m.room_id)
                refs[m.room_id] = room_ref(room) if room else {"id": m.room_id, "name": ""}
            out.write(export_line(record(m, refs[m.room_id], blobs)))
            count += 1
            progress.update(count)
        out.flush()
    except BrokenPipeError:
        # `parley export | head`: stop quietly, and keep Python from complaining about stdout at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise CliError("the output was closed before the export finished") from None
    except BaseException:
        if part:
            out.close()
            part.unlink(missing_ok=True)
        raise
    finally:
        progress.finish()
    if target and part:
        out.close()
        os.replace(part, target)
        print(f"exported {count} message(s) to {target}")
    return 0


# -- import ---------------------------------------------------------------------------------------------------


class _UserRef(Schema):
    id = fields.Integer(required=True, strict=True, validate=_ID)
    username = fields.String(required=True, validate=validate.Regexp(names.USERNAME))


class ExportedMessage(Schema):
    """One line of an export, as `record` writes it."""

    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, strict=True, validate=_ID)
    room = fields.Nested(RoomRef, required=True, unknown=EXCLUDE)
    seq = fields.Integer(required=True, strict=True, validate=_ID)
    user = fields.Nested(_UserRef, required=True, unknown=EXCLUDE)
    body = fields.String(required=True)
    created_at = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=2**63 - 1))
    client_id = fields.String(required=True, validate=validate.Regexp(names.CLIENT_ID))
    # Exports made before edits and deletions existed have neither.
    edited_at = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0))
    deleted = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    files = fields.List(fields.Nested(history_files.FileRef), load_default=list, validate=validate.Length(max=10))
    reactions = fields.List(
        fields.Nested(history_reactions.ReactionRef),
        load_default=list,
        validate=validate.Length(max=MAX_EMOJI_PER_MESSAGE),
    )

    @validates_schema
    def _body(self, data: dict[str, Any], **_: Any) -> None:
        if data["deleted"] and (data["body"] or data["files"] or data["reactions"]):
            raise ValidationError("a deleted message has an empty body, no files and no reactions", "body")
        if not data["deleted"] and not data["body"] and not data["files"]:
            raise ValidationError("Shorter than minimum length 1.", "body")


def read_export(path: Path, max_body_chars: int, files: Path | None = None) -> Iterator[dict[str, Any]]:
    """The file's messages, checked line by line (their files in `files`); CliError names the first bad line."""
    schema = ExportedMessage()
    lineno = 0
    try:
        # utf-8-sig: a byte order mark (some editors write one) is not part of line 1.
        with path.open(encoding="utf-8-sig") as lines:
            for lineno, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    data: dict[str, Any] = schema.load(json.loads(line))
                except ValidationError as exc:
                    detail = _first_problem(exc.messages)
                    raise CliError(f"{path}:{lineno}: not a Parley export line ({detail})") from None
                except ValueError:
                    raise CliError(f"{path}:{lineno}: not a Parley export line (not JSON)") from None
                except RecursionError:
                    raise CliError(f"{path}:{lineno}: not a Parley export line (nested too deeply)") from None
                if len(data["body"]) > max_body_chars:
                    raise CliError(f"{path}:{lineno}: the body is over {max_body_chars} characters")
                history_files.check_sources(data["files"], files, f"{path}:{lineno}")
                yield data
    except UnicodeDecodeError:
        raise CliError(f"{path}:{lineno + 1}: not UTF-8 text") from None
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _first_problem(messages: Any, where: str = "") -> str:
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        return _first_problem(value, f"{where}.{key}" if where else str(key))
    if isinstance(messages, list) and messages:
        return _first_problem(messages[0], where)
    return f"{where}: {messages}" if where else str(messages)


@dataclass
class _Tally:
    added: int = 0
    present: int = 0
    conflict: int = 0
    rooms: dict[str, int] = field(default_factory=dict)  # name key -> local room id
    users: dict[str, int] = field(default_factory=dict)  # username key -> local user id


async def import_(args: argparse.Namespace, ctx: Context) -> int:
    path = Path(args.file)
    limit = ctx.settings.max_body_chars
    room_names: dict[str, str] = {}
    usernames: dict[str, str] = {}
    total = 0
    dms: dict[str, list[str]] = {}
    source = Path(args.files) if args.files else None
    for data in read_export(path, limit, source):
        room = data["room"]
        if room["kind"] == "dm":
            dms.setdefault(ref_key(room), room["members"])
            for name in room["members"]:
                usernames.setdefault(username_key(name), name)
        else:
            room_names.setdefault(room_name_key(room["name"]), room["name"])
        for name in [data["user"]["username"], *history_reactions.reactors(data)]:
            usernames.setdefault(username_key(name), name)
        total += 1
    tally = _Tally()
    # Look everything up and check what would be created before creating anything: all or nothing.
    new_users = await _find_users(ctx, usernames, tally, create=args.create_users)
    new_rooms = await _find_rooms(ctx, room_names, tally)
    await _create_users(ctx, new_users, tally)
    await _create_rooms(ctx, new_rooms, tally, public=args.public)
    await open_dms(ctx, dms, tally.users, tally.rooms)

    progress = Progress("imported", total)
    batch: list[tuple[Message, list[dict[str, Any]]]] = []
    files = _Files(history_files.blobs_of(ctx), source)
    try:
        for data in read_export(path, limit, source):
            batch.append((_message(data, tally), data["files"]))
            if len(batch) >= IMPORT_BATCH:
                await _load(ctx, batch, tally, files)
                batch = []
                progress.update(tally.added + tally.present + tally.conflict)
        if batch:
            await _load(ctx, batch, tally, files)
    finally:
        progress.finish()
    print(
        f"imported {path}: {total} message(s); {tally.added} added, {tally.present} already present,"
        f" {tally.conflict} conflicting"
    )
    if tally.conflict:
        raise CliError(
            f"{tally.conflict} message(s) were skipped: their id, room seq or client id belongs to a different"
            " message already stored here"
        )
    return 0


async def _find_users(ctx: Context, usernames: dict[str, str], tally: _Tally, *, create: bool) -> list[str]:
    """Map the authors that exist; return those to create (refused without --create-users)."""
    missing = []
    for key, name in sorted(usernames.items()):
        found = await ctx.store.account_by_name(name)
        if found is not None:
            tally.users[key] = found.id
        else:
            missing.append(name)
    if missing and not create:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise CliError(
            f"{len(missing)} author(s) do not exist here: {shown}"
            " (create them, or pass --create-users to add them as disabled accounts); nothing was imported"
        )
    return missing


async def _find_rooms(ctx: Context, room_names: dict[str, str], tally: _Tally) -> list[str]:
    """Map the rooms that exist; return those to create, every name checked."""
    missing = []
    for key, name in sorted(room_names.items()):
        found = await ctx.store.room_by_name(name)
        if found is not None:
            tally.rooms[key] = found.id
        else:
            checked_room_name(name)
            missing.append(name)
    return missing


async def _create_users(ctx: Context, names: list[str], tally: _Tally) -> None:
    for name in names:
        created = await ctx.store.create_user(name, PLACEHOLDER_HASH, ctx.clock.now_ms())
        await ctx.store.set_disabled(created.id, True, ctx.clock.now_ms())
        tally.users[username_key(name)] = created.id
        print(f"created disabled user {name} (id {created.id}): `parley reset-password` and `parley enable` it")


async def _create_rooms(ctx: Context, names: list[str], tally: _Tally, *, public: bool) -> None:
    kind = "public" if public else "private"
    for name in names:
        room = await ctx.store.create_room(name, "", not public, None, ctx.clock.now_ms())
        tally.rooms[room_name_key(name)] = room.id
        print(f"created {kind} room {name} (id {room.id})" + ("" if public else ": add members with add-member"))


def _message(data: dict[str, Any], tally: _Tally) -> Message:
    return Message(
        id=data["id"],
        room_id=tally.rooms[ref_key(data["room"])],
        seq=data["seq"],
        user_id=tally.users[username_key(data["user"]["username"])],
        username=data["user"]["username"],
        body=data["body"],
        created_at=data["created_at"],
        client_id=data["client_id"],
        edited_at=data["edited_at"],
        deleted=data["deleted"],
        reactions=history_reactions.reactions_of(data, tally.users),
    )


@dataclass
class _Files:
    blobs: Blobs
    source: Path | None


async def _load(ctx: Context, batch: list[tuple[Message, list[dict[str, Any]]]], tally: _Tally, files: _Files) -> None:
    outcomes = await ctx.store.import_messages([m for m, _ in batch])
    for (message, refs), outcome in zip(batch, outcomes, strict=True):
        setattr(tally, outcome, getattr(tally, outcome) + 1)
        if outcome == "added" and refs and files.source is not None:
            await history_files.import_files(ctx, files.blobs, message, refs, files.source)


# -- purge ----------------------------------------------------------------------------------------------------


def duration_ms(text: str) -> int:
    match = _DURATION.match(text.strip())
    if not match:
        raise CliError(f"bad duration {text!r}: use a whole number and d, h or m, like 90d, 12h or 30m")
    value = int(match.group(1)) * _UNIT_MS[match.group(2)]
    if value <= 0:
        raise CliError(f"bad duration {text!r}: it must be more than zero")
    return value


async def purge(args: argparse.Namespace, ctx: Context) -> int:
    age_ms = duration_ms(args.older_than)
    if not 1 <= args.batch <= 100_000:
        raise CliError(f"bad --batch {args.batch}: between 1 and 100000")
    room_id = (await room_named(ctx.store, args.room)).id if args.room else None
    cutoff_ms = ctx.clock.now_ms() - age_ms
    where = f" in {args.room}" if args.room else ""
    count = await ctx.store.count_messages(room_id, before_ms=cutoff_ms)
    if args.dry_run:
        print(f"{count} message(s){where} older than {args.older_than} (before {when(cutoff_ms)} UTC) would be deleted")
        return 0
    if count == 0:
        print(f"no message{where} is older than {args.older_than}; nothing to delete")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("refusing to delete without --yes: stdin is not a terminal to confirm on")
        sys.stderr.write(f"Delete {count} message(s){where} created before {when(cutoff_ms)} UTC? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise CliError("not confirmed; nothing deleted")
    progress = Progress("deleted", count)
    deleted = batches = 0
    blobs, dropped = history_files.blobs_of(ctx), list[str]()
    try:
        async for n in ctx.store.purge_before(cutoff_ms, room_id=room_id, batch=args.batch, dropped_keys=dropped):
            deleted += n
            batches += 1
            progress.update(deleted)
            await blobs.delete(dropped)  # after each batch's commit: its rows are gone
            dropped.clear()
    finally:
        progress.finish()
    print(f"deleted {deleted} message(s){where} in {batches} batch(es)")
    unsent = await history_files.purge_unsent(ctx, blobs, room_id)
    if unsent:
        print(f"deleted {unsent} upload(s){where} never sent within a day")
    return 0
