"""The admin commands' shared plumbing: how a command gets its store, finds users and rooms, and prints tables.

Every command opens the store, refuses a database whose schema is behind (`parley migrate`), runs, and closes
it. A database fault, or a refusal of the rules (actions/), becomes one line (CliError), never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pymysql

from parley.actions import names
from parley.actions.administration import Administration, LogAnnouncer
from parley.clock import Clock
from parley.errors import ApiError, CliError
from parley.models import Account, Room
from parley.settings import Settings
from parley.store import Store, migrations, open_store


@dataclass(frozen=True, slots=True)
class Context:
    settings: Settings
    clock: Clock
    store: Store

    def admin(self) -> Administration:
        """The administrator's rules (the admin API's too); running servers hear of changes from the logs."""
        return Administration(store=self.store, clock=self.clock, announcer=LogAnnouncer(self.store, self.clock))


AdminCommand = Callable[[argparse.Namespace, Context], Awaitable[int]]


def runner(command: AdminCommand, clock_factory: Callable[[], Clock]) -> Callable[[argparse.Namespace, Settings], int]:
    """Wrap an async admin command as a cli Command: open the store, check the schema, run, close."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        async def main() -> int:
            store = await open_store(settings.database, pool_max=2)
            try:
                todo = await migrations.pending(store)
                if todo:
                    raise CliError(f"the database schema is {len(todo)} migration(s) behind: run `parley migrate`")
                return await command(args, Context(settings, clock_factory(), store))
            except (sqlite3.Error, pymysql.err.MySQLError) as exc:
                raise CliError(f"database error: {exc}") from None
            except ApiError as exc:
                # A rule of actions/ refused (the same refusal the admin API answers with its code).
                raise CliError(exc.message) from None
            finally:
                await store.close()

        return asyncio.run(main())

    return run


# (name, implementation, help) -> the command's parser, to which the caller adds arguments
Register = Callable[[str, AdminCommand, str], argparse.ArgumentParser]


async def account(store: Store, name: str) -> Account:
    found = await store.account_by_name(name)
    if found is None:
        raise CliError(f"no user named {name!r}")
    return found


async def room_named(store: Store, name: str) -> Room:
    found = await store.room_by_name(name)
    if found is None:
        raise CliError(f"no room named {name!r}")
    return found


def when(ms: int | None) -> str:
    return "-" if ms is None else datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [list(headers), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def listing(
    records: Sequence[dict[str, Any]],
    as_json: bool,
    headers: Sequence[str],
    row: Callable[[dict[str, Any]], Sequence[object]],
) -> None:
    """A list command's output: one JSON object per line with --json, else a table of `row(record)`."""
    if as_json:
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
        return
    table(headers, [row(record) for record in records])


def checked_room_name(name: str, topic: str = "") -> None:
    problem = names.room_name_problem(name)
    if problem is not None:
        raise CliError(f"bad room name {name!r}: {problem}")
    problem = names.topic_problem(topic)
    if problem is not None:
        raise CliError(f"bad room topic {topic!r}: {problem}")
