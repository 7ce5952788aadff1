"""`parley doctor`: check an installation from the command line, one line per check, before users find out.

Each check says ok, warn (works, but not as production should) or fail (something will not work); the exit
status is 1 when any check fails. It reads the same environment as `parley serve` and changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from parley.settings import LOOPBACK_HOSTS, ConfigError, Settings
from parley.store import StoreError, migrations, open_store

Verdict = Literal["ok", "warn", "fail"]
# Seconds each network check may take: a doctor that hangs is worse than one that says "unreachable".
CHECK_TIMEOUT_S = 5.0
# Further apart than this, the database's clock and ours disagree enough to misorder messages and sessions.
CLOCK_SKEW_MAX_S = 5
# Before this, the machine's clock was never set (it is 2024-01-01, UTC, in seconds).
CLOCK_FLOOR_S = 1_704_067_200
SECRET_KEY_MIN = 32


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    verdict: Verdict
    detail: str


def add_command(sub: Any) -> None:
    parser = sub.add_parser(
        "doctor",
        help="check this installation: settings, database, Redis, secret key, web app, files, clock",
        description="Check this installation; prints one line per check; exit status 1 if any fails.",
    )
    parser.set_defaults(func=main, raw_env=True)


def main(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    checks = asyncio.run(examine(env))
    width = max(len(c.name) for c in checks)
    for check in checks:
        print(f"{check.verdict:<4}  {check.name:<{width}}  {check.detail}")
    return 1 if any(c.verdict == "fail" for c in checks) else 0


async def examine(env: Mapping[str, str], *, now_s: Callable[[], float] = time.time) -> list[Check]:
    try:
        settings = Settings.from_env(env)
    except ConfigError as exc:
        return [Check("settings", "fail", str(exc))]
    checks = [Check("settings", "ok", f"serving on {settings.host}:{settings.port}")]
    checks.append(_secret_key(env, settings))
    checks.append(await _database(settings, now_s))
    checks.append(await _redis(settings))
    checks.append(_frontend(settings))
    checks.append(_files(settings))
    checks.append(_clock(now_s))
    return checks


def _secret_key(env: Mapping[str, str], settings: Settings) -> Check:
    if not env.get("SECRET_KEY"):
        detail = "generated into var/secret_key: fine on a laptop, set SECRET_KEY in production"
        return Check("secret key", "warn", detail)
    if len(settings.secret_key) < SECRET_KEY_MIN:
        return Check("secret key", "fail", f"SECRET_KEY is shorter than {SECRET_KEY_MIN} characters")
    return Check("secret key", "ok", f"{len(settings.secret_key)} characters")


async def _database(settings: Settings, now_s: Callable[[], float]) -> Check:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            store = await open_store(settings.database, pool_max=1)
            try:
                pending = await migrations.pending(store)
                db_now_s = await store.clock_s()
            finally:
                await store.close()
    except (StoreError, OSError, TimeoutError) as exc:
        return Check("database", "fail", f"{settings.database.scheme}: unreachable ({exc or 'timed out'})")
    if pending:
        return Check("database", "fail", f"{len(pending)} migration(s) pending: run `parley migrate`")
    if db_now_s is not None and abs(db_now_s - now_s()) > CLOCK_SKEW_MAX_S:
        skew = round(db_now_s - now_s())
        return Check("database", "warn", f"reachable and migrated, but its clock is {skew:+d} s from this machine's")
    return Check("database", "ok", f"{settings.database.scheme}: reachable, schema up to date")


async def _redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", "ok", "not configured (one process)")
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    client = aioredis.Redis.from_url(settings.redis_url, socket_connect_timeout=CHECK_TIMEOUT_S)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await client.ping()
    except (RedisError, OSError, TimeoutError) as exc:
        # The exception may name the host; never the URL, which may carry a password.
        return Check("redis", "fail", f"unreachable: {type(exc).__name__}")
    finally:
        await client.aclose()
    return Check("redis", "ok", "reachable")


def _frontend(settings: Settings) -> Check:
    if settings.frontend_dir is None or not (settings.frontend_dir / "index.html").is_file():
        where = settings.frontend_dir or "FRONTEND_DIR"
        verdict: Verdict = "warn" if settings.host not in LOOPBACK_HOSTS else "fail"
        detail = f"not built at {where} (run `make frontend`; in production nginx may serve it)"
        return Check("web app", verdict, detail)
    return Check("web app", "ok", f"built at {settings.frontend_dir}")


def _files(settings: Settings) -> Check:
    """The directories the server writes to must be writable by it: the data directory (the SQLite database, the
    dev key) and FILES_DIR (uploads; made on the first upload when missing, so then its nearest existing parent)."""
    if settings.database.scheme == "sqlite":
        data = Path(settings.database.path).parent
    else:
        var = Path.cwd() / "var"
        data = var if var.exists() else Path.cwd()
    problem = _unwritable(data)
    if problem is not None:
        return Check("files", "fail", problem)
    uploads = settings.files_dir
    probe = uploads
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    problem = _unwritable(probe)
    if problem is not None:
        return Check("files", "fail", f"FILES_DIR {uploads}: {problem}")
    made = "" if uploads.exists() else " (made on the first upload)"
    return Check("files", "ok", f"{data} and FILES_DIR {uploads}{made} are writable")


def _unwritable(probe: Path) -> str | None:
    if not probe.is_dir():
        return f"{probe} is not a directory"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable by this user"
    try:
        with tempfile.NamedTemporaryFile(dir=probe, prefix=".parley-doctor-"):
            pass
    except OSError as exc:
        return f"cannot write in {probe}: {exc.strerror}"
    return None


def _clock(now_s: Callable[[], float]) -> Check:
    if now_s() < CLOCK_FLOOR_S:
        return Check("clock", "fail", "this machine's clock is before 2024: set the time (NTP)")
    return Check("clock", "ok", time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now_s())))
