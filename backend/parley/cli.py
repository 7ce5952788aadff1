"""`parley serve | migrate | ...`: parse arguments, load Settings, run. Errors end as one line and exit 1."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence

from aiohttp import web

from parley import logs
from parley.actions.name_check import check_names
from parley.admin import commands as admin_commands
from parley.app import create_app, server_options
from parley.clock import SystemClock
from parley.errors import CliError
from parley.settings import ConfigError, Settings
from parley.store import DatabaseUnavailable, StoreError, migrations, open_store
from parley.web.headers import hide_server_version

Command = Callable[[argparse.Namespace, Settings], int]


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    async def check_schema() -> None:
        # Only --migrate may create a missing SQLite database (as `parley migrate` does).
        store = await open_store(settings.database, create=args.migrate)
        try:
            todo = await migrations.pending(store)
        finally:
            await store.close()
        if todo and not args.migrate:
            raise CliError(f"{len(todo)} migration(s) pending: run `parley migrate` (or `parley serve --migrate`)")
        if todo:
            await _migrate_now(settings)

    asyncio.run(check_schema())
    logs.configure(settings.log_level, "json" if settings.log_format == "json" else "text")
    app = create_app(settings)
    hide_server_version()
    print(f"Parley serving on http://{settings.host}:{settings.port}", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, loop=_event_loop(settings), **server_options(settings))
    return 0


def _event_loop(settings: Settings) -> asyncio.AbstractEventLoop | None:
    """uvloop when asked for (EVENT_LOOP=uvloop); None lets aiohttp make asyncio's default loop."""
    if settings.event_loop != "uvloop":
        return None
    try:
        import uvloop  # optional: only where it is installed and asked for
    except ImportError:
        raise CliError("EVENT_LOOP=uvloop, but uvloop is not installed (pip install 'parley[speed]')") from None
    return uvloop.new_event_loop()


async def _migrate_now(settings: Settings) -> list[migrations.Migration]:
    # The one command that creates a missing SQLite database (in a directory that exists).
    store = await open_store(settings.database, create=True)
    try:
        applied = await migrations.migrate(store, SystemClock().now_ms())
        if any(m.name == "name_keys" for m in applied):
            _print_name_findings(await check_names(store))
        return applied
    finally:
        await store.close()


def _print_name_findings(findings: list[str]) -> None:
    if findings:
        print(f"{len(findings)} stored name(s) to fix by hand:")
        for line in findings:
            print(f"  {line}")


def _check_names(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> list[str]:
        store = await open_store(settings.database)
        try:
            todo = await migrations.pending(store)
            if todo:
                raise CliError(f"the database schema is {len(todo)} migration(s) behind: run `parley migrate`")
            return await check_names(store)
        finally:
            await store.close()

    findings = asyncio.run(run())
    _print_name_findings(findings)
    if not findings:
        print("every stored name follows the rules")
    return 1 if findings else 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    if args.check:

        async def count() -> int:
            store = await open_store(settings.database)
            try:
                return len(await migrations.pending(store))
            finally:
                await store.close()

        pending = asyncio.run(count())
        print(f"{pending} migration(s) pending" if pending else "schema up to date")
        return 1 if pending else 0
    applied = asyncio.run(_migrate_now(settings))
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    if not applied:
        print("schema up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley: self-hosted team chat.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the chat server (HOST, PORT, DATABASE_URL, ... from the environment)")
    serve.add_argument("--migrate", action="store_true", help="apply pending migrations first")
    serve.set_defaults(func=_serve)
    migrate = sub.add_parser("migrate", help="apply pending database migrations")
    migrate.add_argument("--check", action="store_true", help="apply nothing; exit 1 if migrations are pending")
    migrate.set_defaults(func=_migrate)
    check = sub.add_parser(
        "check-names", help="list stored user and room names that break the name rules or fold to one name"
    )
    check.set_defaults(func=_check_names)
    admin_commands.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Everything parley creates (the SQLite database, var/, the dev key, backups, exports) is the owner's alone.
    umask = os.umask(0o077)
    if getattr(args, "raw_env", False):
        # doctor reports a bad setting as one of its checks rather than stopping at it.
        try:
            raw: int = args.func(args, os.environ)
        finally:
            os.umask(umask)
        return raw
    try:
        settings = Settings.from_env(os.environ)
        code: int = args.func(args, settings)
        return code
    except (ConfigError, CliError, DatabaseUnavailable) as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"parley: database error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        os.umask(umask)


if __name__ == "__main__":
    sys.exit(main())
