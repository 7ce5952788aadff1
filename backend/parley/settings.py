"""Configuration: one frozen dataclass built from an environment mapping, checked once at start-up.

Tests build Settings from their own mapping; nothing reads os.environ except `Settings.from_env`'s caller.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class ConfigError(Exception):
    """Bad configuration: the message is the one line the operator sees."""


_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|pass|pwd)=)[^&#]*")


def redact_url(url: str) -> str:
    """The URL fit for an error message or a log line: its password (after user: or as ?password=) is ***.

    A user part with no colon is hidden whole (redis://SECRET@host is a mistake for redis://:SECRET@host).
    """
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        # The last @ before the path ends the user part (a raw @ or / may sit inside a password).
        userinfo, _, host = rest.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        rest = f"{user}:***@{host}" if colon else f"***@{host}"
    elif not sep and "@" in url:
        return "***"
    return _QUERY_SECRET.sub(r"\1***", f"{scheme}{sep}{rest}")


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    scheme: str  # "sqlite" or "mysql"
    path: str = ""  # sqlite: file path ("" never happens after parsing)
    host: str = "127.0.0.1"
    port: int = 3306
    user: str = ""
    password: str = field(default="", repr=False)
    name: str = ""
    unix_socket: str | None = None

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            # sqlite:///var/parley.db is relative to the working directory; sqlite:////abs/path is absolute.
            raw = url[len("sqlite://") :]
            if not raw.startswith("/") or raw == "/":
                raise ConfigError(
                    f"DATABASE_URL: expected sqlite:///relative/path or sqlite:////abs/path, got {redact_url(url)!r}"
                )
            path = raw[1:]
            return cls(scheme="sqlite", path=path)
        if parts.scheme in ("mysql", "mariadb"):
            name = parts.path.lstrip("/")
            if not name:
                raise ConfigError("DATABASE_URL: a mysql:// URL needs a database name (mysql://user:pass@host:port/db)")
            try:
                port = parts.port or 3306
            except ValueError as exc:
                raise ConfigError(f"DATABASE_URL: bad port ({exc})") from None
            query = parse_qs(parts.query)
            return cls(
                scheme="mysql",
                host=parts.hostname or "127.0.0.1",
                port=port,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                name=name,
                unix_socket=query.get("unix_socket", [None])[0],
            )
        raise ConfigError(f"DATABASE_URL: unsupported scheme {parts.scheme!r} (use sqlite:/// or mysql://)")


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key}: expected 1/0, true/false, yes/no or on/off, got {raw!r}")


def _int(env: Mapping[str, str], key: str, default: int, *, minimum: int = 0, maximum: int = 2**31) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key}: expected an integer, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{key}: must be between {minimum} and {maximum}, got {value}")
    return value


def _metrics(env: Mapping[str, str], port: int) -> tuple[int | None, str]:
    metrics_port = _int(env, "METRICS_PORT", 0, minimum=0, maximum=65535) or None
    if metrics_port is not None and metrics_port == port:
        raise ConfigError(f"METRICS_PORT: must differ from PORT ({port}): /metrics is never on the public app")
    host = (env.get("METRICS_HOST") or "127.0.0.1").strip()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"METRICS_HOST: expected an IP address to bind to, got {host!r}") from None
    return metrics_port, host


def _choice(env: Mapping[str, str], key: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    for value in allowed:
        if raw.lower() == value.lower():
            return value
    raise ConfigError(f"{key}: expected one of {', '.join(allowed)}, got {raw!r}")


def _accel_prefix(env: Mapping[str, str]) -> str | None:
    raw = env.get("FILES_ACCEL_REDIRECT", "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"/(?:[A-Za-z0-9_.-]+/)+", raw) or "/../" in raw or "/./" in raw:
        raise ConfigError(f"FILES_ACCEL_REDIRECT: expected an nginx location path like /_files/, got {raw!r}")
    return raw


def _origins(env: Mapping[str, str]) -> frozenset[str]:
    raw = env.get("ALLOWED_ORIGINS", "")
    origins = set()
    for item in raw.split(","):
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ConfigError(f"ALLOWED_ORIGINS: {origin!r} is not an origin like https://chat.example.com")
        origins.add(origin.lower())
    return frozenset(origins)


def _proxies(env: Mapping[str, str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    raw = env.get("TRUSTED_PROXIES", "")
    networks = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"TRUSTED_PROXIES: {item!r} is not an IP address or network") from None
    return tuple(networks)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
REGISTRATION_MODES = ("open", "invite", "closed")


def _registration(
    env: Mapping[str, str], host: str, proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> str:
    """REGISTRATION, by default "open" only for a server nobody else can reach: loopback, and no proxy in front
    (nginx on the same machine makes a loopback server public, so TRUSTED_PROXIES counts as reachable)."""
    raw = (env.get("REGISTRATION") or "").strip().lower()
    if not raw:
        return "open" if host in LOOPBACK_HOSTS and not proxies else "invite"
    if raw not in REGISTRATION_MODES:
        raise ConfigError(f"REGISTRATION: expected open, invite or closed, got {env.get('REGISTRATION')!r}")
    return raw


def _redis_url(env: Mapping[str, str]) -> str | None:
    """REDIS_URL, checked so the client never fails on it later; beyond loopback it needs a password or TLS."""
    url = env.get("REDIS_URL") or None
    if url is None:
        return None
    shown = redact_url(url)
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return url  # a socket on this machine: its file permissions guard it
    if parts.scheme not in ("redis", "rediss"):
        raise ConfigError(f"REDIS_URL: expected redis://host:port/db, rediss:// or unix://, got {shown!r}")
    try:
        _ = parts.port  # parsing it is the check
    except ValueError:
        raise ConfigError(f"REDIS_URL: bad port in {shown!r}") from None
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise ConfigError(f"REDIS_URL: the database must be a number (redis://host:6379/0), got {shown!r}")
    host = parts.hostname or "localhost"
    has_password = bool(parts.password) or "password" in parse_qs(parts.query)
    if not _is_loopback(host) and parts.scheme == "redis" and not has_password:
        raise ConfigError(
            f"REDIS_URL: Redis at {host} is not on this machine, so it needs a password"
            " (redis://:PASSWORD@host:6379/0, requirepass in redis.conf) or TLS (rediss://)"
        )
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# A login lasts 30 days; after that the user signs in again.
SESSION_MAX_AGE_S = 30 * 24 * 3600

# The names of this machine that no other can answer to: ALLOWED_HOSTS when serving on loopback.
LOOPBACK_NAMES = frozenset(LOOPBACK_HOSTS)


def _allowed_hosts(env: Mapping[str, str], host: str) -> frozenset[str]:
    """Host names browsers may use for this server. Loopback serving defaults to the loopback names; anything
    else must say (a guess would either refuse the real name or accept a rebinding attacker's)."""
    raw = env.get("ALLOWED_HOSTS", "")
    names = set()
    for item in raw.split(","):
        name = item.strip().lower().rstrip(".")
        if not name:
            continue
        if name != "*" and ("/" in name or name.startswith("[") or " " in name or name.count(":") == 1):
            raise ConfigError(
                f"ALLOWED_HOSTS: {item.strip()!r} is not a host name like chat.example.com (no scheme or port)"
            )
        names.add(name)
    if names:
        return frozenset(names)
    if _is_loopback(host):
        return LOOPBACK_NAMES | {host.lower()}
    raise ConfigError(
        f"ALLOWED_HOSTS must be set when serving on {host}: the names browsers use to reach this server,"
        " comma-separated (chat.example.com), or * to accept any"
    )


def _secret_key(env: Mapping[str, str], dev_key_file: Path, host: str) -> bytes:
    raw = env.get("SECRET_KEY", "")
    if not raw and host not in LOOPBACK_HOSTS:
        # Serving beyond this machine is production: a key made up on the spot would differ between hosts and
        # live in a file nobody backs up.
        raise ConfigError(f"SECRET_KEY must be set when serving on {host} (only loopback may use the dev key)")
    if raw:
        if len(raw) < 32:
            raise ConfigError(
                "SECRET_KEY: must be at least 32 characters"
                " (make one: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return raw.encode()
    # Development default: generated once and kept, so restarts do not log everyone out.
    try:
        if dev_key_file.exists():
            key = dev_key_file.read_text().strip()
            if len(key) >= 32:
                return key.encode()
        key = secrets.token_urlsafe(48)
        _write_private(dev_key_file, key + "\n")
        return key.encode()
    except OSError as exc:
        raise ConfigError(f"SECRET_KEY is not set and {dev_key_file} cannot be used: {exc.strerror}") from None


def _write_private(path: Path, text: str) -> None:
    """Write a secret file that is the owner's alone from its first byte: created 0600 (in a 0700 directory when
    the directory is new) under a temporary name, then renamed over the old one, which it replaces whole."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class Settings:
    database: DatabaseUrl
    secret_key: bytes = field(repr=False)
    host: str = "127.0.0.1"
    port: int = 8080
    allowed_origins: frozenset[str] = frozenset()
    # Host names the server answers to (a foreign Host is DNS rebinding): "*" accepts any.
    allowed_hosts: frozenset[str] = LOOPBACK_NAMES
    cookie_secure: bool = False
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    redis_url: str | None = field(default=None, repr=False)
    redis_namespace: str = "parley"
    frontend_dir: Path | None = None
    # A vanished peer is found within 1.5 x this (ping, then half an interval for the pong).
    heartbeat_s: float = 10.0
    # Longer than a page reload takes, so a reload never shows as offline.
    presence_grace_ms: int = 5_000
    # Presence changes wait this long to go out together, one frame per connection: a storm of N users
    # connecting costs each member a frame per interval instead of N frames; a status shows at most this late.
    presence_batch_ms: int = 500
    # A room with more users present (online or idle) than this is "large": its members' presence is not
    # broadcast to it or listed in snapshots; clients ask for the members they show (presence.watch). Above a
    # hundred, the all-to-all frames of a connect storm outweigh what anyone can see of a member list.
    presence_room_max: int = 100
    # Two typing refreshes (every 3 s) may be lost before the server ends the state itself.
    typing_expiry_ms: int = 6_000
    typing_refresh_ms: int = 3_000
    idle_after_ms: int = 120_000
    # How often presence/typing deadlines are checked: well under the smallest deadline's tolerance.
    sweep_interval_ms: int = 250
    # With Redis: a process that stops refreshing its key this long is dead; its users go offline elsewhere.
    process_ttl_ms: int = 6_000
    # A session ended in another process (or by the admin CLI) closes its sockets here within this.
    revocation_poll_ms: int = 500
    # Read markers wait at most this long in memory before one batched write: with the writer's check every
    # fifth of it, other processes see a read within about 0.6 s, under the 1 s the protocol promises.
    read_flush_ms: int = 500
    max_body_chars: int = 4_000
    # Room for the longest valid frame (4,000 four-byte characters, JSON-escaped) with margin.
    max_frame_bytes: int = 65_536
    # Tabs, devices and bots of one account on one process; more is a runaway client, refused at the handshake.
    max_connections_per_user: int = 50
    # Frames: a receiver this far behind is closed and catches up over REST.
    send_queue_max: int = 1_024
    # Bytes too: 1,024 full-length messages would be 16 MB per connection; 1 MiB is still ~60 of them behind.
    send_queue_max_bytes: int = 1_048_576
    # Under a fan-out, a connection's frames of this many milliseconds share one write (live/write_batch.py);
    # 0 writes at every loop turn.
    ws_write_linger_ms: int = 10
    # Per account, across its sockets and processes: message.send bursts of 20, 10 a second sustained (a paste
    # of several lines or a bot catching up passes; 50 sockets no longer multiply it).
    message_burst: int = 20
    message_per_min: int = 600
    # typing and presence.set together: a client refreshes typing every 3 s and reports idle/online per tab.
    chatter_burst: int = 10
    chatter_per_min: int = 120
    # REST writes (create room, join, leave, add member): joining a dozen rooms at once passes; each one is a
    # frame to every member, so a loop of them is not.
    rest_write_burst: int = 20
    rest_write_per_min: int = 30
    # New rooms per account in any 24 hours (admins exempt): every room is listed to everyone in GET /api/rooms.
    rooms_per_day: int = 20
    history_page_max: int = 100
    # argon2id cost; tests lower it so hashing many passwords stays quick.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65_536
    # Hashes (argon2id) running at once per process: each holds a core and 64 MiB, so guessing cannot starve logins.
    argon2_concurrency: int = 2
    # Who may register: "open" (anyone), "invite" (with an admin's invite link), "closed" (admins create users).
    registration: str = "open"
    # Consecutive wrong passwords per account (or per known device) before each attempt must wait; the wait
    # doubles from 1 s per further failure up to login_backoff_max_s (docs/protocol.md "Login throttle").
    login_free_failures: int = 5
    # A quarter of an hour: at the cap, about 4 guesses an hour per account; a forgetful owner waits no longer.
    login_backoff_max_s: int = 900
    # Failed logins (and password changes) one client address may make in a burst; one is regained every 3 s.
    login_address_failures: int = 20
    # Registrations per client address per hour: an office joins at once; one address cannot mint accounts.
    registrations_per_hour: int = 50
    # Pool size per process; each message send holds one connection for one short transaction.
    db_pool_max: int = 10
    # SIGTERM: seconds to finish in-flight requests and sends before the process exits anyway.
    shutdown_timeout_s: float = 10.0
    log_level: str = "INFO"
    log_format: str = "text"
    # The event loop `parley serve` runs on: asyncio's own, or uvloop (the optional `speed` extra) where it is
    # installed; docs/benchmarks.md has what it changes.
    event_loop: str = "asyncio"
    # Prometheus /metrics on a port of its own (None: off), never on the public app; loopback unless configured.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # A connection that has not sent a whole request head this long after connecting (or after its last
    # response) is closed: idle and slow-header connections cannot pile up to the descriptor limit. Above any
    # real client's pause between a page's requests; nginx's upstream keepalive_timeout stays below it.
    http_idle_timeout_s: float = 10.0
    # Uploaded files (docs/protocol.md "Files"): one file's bytes at most, and an account's bytes in any 24 hours.
    max_upload_bytes: int = 25 * 2**20
    upload_quota_bytes: int = 500 * 2**20
    # Where file bytes live (several app hosts: one shared volume, docs/deployment.md); FILES_DIR, relative to the
    # working directory.
    files_dir: Path = Path("var/files")
    # nginx's internal location aliasing files_dir (e.g. "/_files/"): downloads are answered with X-Accel-Redirect
    # to it, nginx sends the bytes. None: the app streams them itself.
    files_accel_redirect: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, cwd: Path | None = None) -> Settings:
        base = cwd or Path.cwd()
        database = DatabaseUrl.parse(env.get("DATABASE_URL") or "sqlite:///var/parley.db")
        if database.scheme == "sqlite" and not Path(database.path).is_absolute():
            database = DatabaseUrl(scheme="sqlite", path=str(base / database.path))
        port = _int(env, "PORT", 8080, minimum=1, maximum=65535)
        host = env.get("HOST") or "127.0.0.1"
        frontend = env.get("FRONTEND_DIR")
        redis_url = _redis_url(env)
        proxies = _proxies(env)
        metrics_port, metrics_host = _metrics(env, port)
        return cls(
            database=database,
            secret_key=_secret_key(env, base / "var" / "secret_key", host),
            host=host,
            port=port,
            allowed_origins=_origins(env),
            allowed_hosts=_allowed_hosts(env, host),
            cookie_secure=_bool(env, "COOKIE_SECURE", False),
            trusted_proxies=proxies,
            redis_url=redis_url,
            redis_namespace=env.get("REDIS_NAMESPACE") or "parley",
            frontend_dir=Path(frontend) if frontend else base / "frontend" / "dist",
            heartbeat_s=float(_int(env, "HEARTBEAT_S", 10, minimum=1, maximum=3600)),
            presence_grace_ms=_int(env, "PRESENCE_GRACE_MS", 5_000, maximum=3_600_000),
            presence_batch_ms=_int(env, "PRESENCE_BATCH_MS", 500, maximum=10_000),
            presence_room_max=_int(env, "PRESENCE_ROOM_MAX", 100, minimum=2, maximum=1_000_000),
            typing_expiry_ms=_int(env, "TYPING_EXPIRY_MS", 6_000, minimum=1_000, maximum=600_000),
            idle_after_ms=_int(env, "IDLE_AFTER_MS", 120_000, minimum=1_000, maximum=86_400_000),
            db_pool_max=_int(env, "DB_POOL_MAX", 10, minimum=1, maximum=1_000),
            process_ttl_ms=_int(env, "PROCESS_TTL_MS", 6_000, minimum=1_000, maximum=600_000),
            shutdown_timeout_s=float(_int(env, "SHUTDOWN_TIMEOUT_S", 10, minimum=1, maximum=600)),
            log_level=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            log_format=_choice(env, "LOG_FORMAT", "text", ("text", "json")),
            event_loop=_choice(env, "EVENT_LOOP", "asyncio", ("asyncio", "uvloop")),
            metrics_port=metrics_port,
            metrics_host=metrics_host,
            argon2_time_cost=_int(env, "ARGON2_TIME_COST", 3, minimum=1, maximum=100),
            argon2_memory_kib=_int(env, "ARGON2_MEMORY_KIB", 65_536, minimum=1_024, maximum=4_194_304),
            argon2_concurrency=_int(env, "ARGON2_CONCURRENCY", 2, minimum=1, maximum=256),
            registration=_registration(env, host, proxies),
            login_free_failures=_int(env, "LOGIN_FREE_FAILURES", 5, minimum=1, maximum=1_000),
            login_backoff_max_s=_int(env, "LOGIN_BACKOFF_MAX_S", 900, minimum=1, maximum=86_400),
            login_address_failures=_int(env, "LOGIN_ADDRESS_FAILURES", 20, minimum=1, maximum=1_000_000),
            registrations_per_hour=_int(env, "REGISTRATIONS_PER_HOUR", 50, minimum=1, maximum=1_000_000),
            max_connections_per_user=_int(env, "MAX_CONNECTIONS_PER_USER", 50, minimum=1, maximum=100_000),
            # At least one frame of the largest size (max_frame_bytes) must fit.
            send_queue_max_bytes=_int(env, "SEND_QUEUE_MAX_BYTES", 1_048_576, minimum=65_536, maximum=2**30),
            ws_write_linger_ms=_int(env, "WS_WRITE_LINGER_MS", 10, minimum=0, maximum=50),
            message_burst=_int(env, "MESSAGE_BURST", 20, minimum=1, maximum=1_000_000),
            message_per_min=_int(env, "MESSAGE_RATE_PER_MIN", 600, minimum=1, maximum=60_000_000),
            chatter_burst=_int(env, "CHATTER_BURST", 10, minimum=1, maximum=1_000_000),
            chatter_per_min=_int(env, "CHATTER_RATE_PER_MIN", 120, minimum=1, maximum=60_000_000),
            rest_write_burst=_int(env, "REST_WRITE_BURST", 20, minimum=1, maximum=1_000_000),
            rest_write_per_min=_int(env, "REST_WRITE_RATE_PER_MIN", 30, minimum=1, maximum=60_000_000),
            rooms_per_day=_int(env, "ROOMS_PER_DAY", 20, minimum=1, maximum=1_000_000),
            http_idle_timeout_s=float(_int(env, "HTTP_IDLE_TIMEOUT_S", 10, minimum=1, maximum=3600)),
            max_upload_bytes=_int(env, "MAX_UPLOAD_MB", 25, minimum=1, maximum=100_000) * 2**20,
            upload_quota_bytes=_int(env, "UPLOAD_QUOTA_MB", 500, minimum=1, maximum=100_000_000) * 2**20,
            files_dir=base / (env.get("FILES_DIR") or "var/files"),
            files_accel_redirect=_accel_prefix(env),
        )
