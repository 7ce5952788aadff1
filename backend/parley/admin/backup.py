"""`parley backup FILE`: a consistent copy of an embedded (SQLite) database while the server keeps running.

MySQL/MariaDB installations use their own tools (mariadb-dump, mariabackup): docs/operating.md says how.
The copy is written to a new file only (an existing one is never overwritten) and readable by its owner only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from parley.admin.tools import Context, Register
from parley.errors import CliError


def add_commands(command: Register) -> None:
    p = command("backup", backup, "copy the SQLite database, consistently, into a new file (the server may run)")
    p.add_argument("file", help="the new file to write (must not exist)")


def _create_owner_only(target: Path) -> None:
    if target.exists():
        raise CliError(f"{target} exists: choose a new file (a backup never overwrites one)")
    if not target.parent.is_dir():
        raise CliError(f"{target.parent} is not a directory")
    # Owner-only before SQLite writes a byte into it: a backup holds every message and password hash.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


async def backup(args: argparse.Namespace, ctx: Context) -> int:
    if ctx.store.kind != "sqlite":
        raise CliError("`parley backup` copies SQLite databases; use mariadb-dump or mariabackup for MySQL/MariaDB")
    target = Path(args.file)
    await asyncio.to_thread(_create_owner_only, target)
    try:
        await ctx.store.backup_to(str(target))
    except BaseException:
        await asyncio.to_thread(target.unlink, missing_ok=True)
        raise
    size = (await asyncio.to_thread(target.stat)).st_size
    print(f"backed up to {target} ({size} bytes)")
    return 0
