"""Configuration from the environment: defaults, every bad value refused with one clear line."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from parley.cli import main
from parley.settings import ConfigError, Settings

KEY = "k" * 40


def test_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env({}, cwd=tmp_path)
    assert settings.database.scheme == "sqlite"
    assert settings.database.path == str(tmp_path / "var" / "parley.db")
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    key = (tmp_path / "var" / "secret_key").read_text().strip()
    assert settings.secret_key == key.encode()
    # Generated once and kept: a restart keeps everyone logged in.
    assert Settings.from_env({}, cwd=tmp_path).secret_key == settings.secret_key


def test_limits_from_the_environment(tmp_path: Path) -> None:
    defaults = Settings.from_env({}, cwd=tmp_path)
    assert (defaults.max_connections_per_user, defaults.send_queue_max_bytes, defaults.rooms_per_day) == (
        50, 1_048_576, 20)
    assert (defaults.message_burst, defaults.message_per_min, defaults.chatter_burst, defaults.chatter_per_min,
            defaults.rest_write_burst, defaults.rest_write_per_min) == (20, 600, 10, 120, 20, 30)
    env = {"MAX_CONNECTIONS_PER_USER": "5", "SEND_QUEUE_MAX_BYTES": "65536", "MESSAGE_BURST": "3",
           "MESSAGE_RATE_PER_MIN": "60", "CHATTER_BURST": "4", "CHATTER_RATE_PER_MIN": "30", "REST_WRITE_BURST": "6",
           "REST_WRITE_RATE_PER_MIN": "7", "ROOMS_PER_DAY": "8"}
    s = Settings.from_env(env, cwd=tmp_path)
    assert (s.max_connections_per_user, s.send_queue_max_bytes, s.message_burst, s.message_per_min, s.chatter_burst,
            s.chatter_per_min, s.rest_write_burst, s.rest_write_per_min, s.rooms_per_day) == (
        5, 65536, 3, 60, 4, 30, 6, 7, 8)


def test_file_settings(tmp_path: Path) -> None:
    defaults = Settings.from_env({}, cwd=tmp_path)
    assert (defaults.max_upload_bytes, defaults.upload_quota_bytes) == (25 * 2**20, 500 * 2**20)
    assert (defaults.files_dir, defaults.files_accel_redirect) == (tmp_path / "var" / "files", None)
    env = {"MAX_UPLOAD_MB": "3", "UPLOAD_QUOTA_MB": "7", "FILES_DIR": "/srv/files", "FILES_ACCEL_REDIRECT": "/_files/"}
    s = Settings.from_env(env, cwd=tmp_path)
    assert (s.max_upload_bytes, s.upload_quota_bytes, s.files_dir, s.files_accel_redirect) == (
        3 * 2**20,
        7 * 2**20,
        Path("/srv/files"),
        "/_files/",
    )


def test_mysql_url() -> None:
    settings = Settings.from_env({"DATABASE_URL": "mysql://u:p%40ss@db.example:3307/chat", "SECRET_KEY": KEY})
    db = settings.database
    assert (db.scheme, db.user, db.password, db.host, db.port, db.name) == (
        "mysql", "u", "p@ss", "db.example", 3307, "chat")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "postgres://x/y"}, "unsupported scheme"),
        ({"DATABASE_URL": "mysql://u@h/"}, "needs a database name"),
        ({"DATABASE_URL": "mysql://u@h:99999/db"}, "bad port"),
        ({"PORT": "eighty"}, "PORT: expected an integer"),
        ({"PORT": "0"}, "PORT: must be between"),
        ({"SECRET_KEY": "short"}, "at least 32 characters"),
        ({"HOST": "0.0.0.0"}, "SECRET_KEY must be set"),
        ({"COOKIE_SECURE": "maybe"}, "COOKIE_SECURE"),
        ({"ALLOWED_ORIGINS": "chat.example.com"}, "ALLOWED_ORIGINS"),
        ({"TRUSTED_PROXIES": "nginx"}, "TRUSTED_PROXIES"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"HEARTBEAT_S": "-1"}, "HEARTBEAT_S"),
        ({"SEND_QUEUE_MAX_BYTES": "1000"}, "SEND_QUEUE_MAX_BYTES: must be between 65536"),
        ({"MAX_CONNECTIONS_PER_USER": "0"}, "MAX_CONNECTIONS_PER_USER"),
        ({"MESSAGE_BURST": "many"}, "MESSAGE_BURST: expected an integer"),
        ({"MESSAGE_RATE_PER_MIN": "0"}, "MESSAGE_RATE_PER_MIN"),
        ({"CHATTER_BURST": "0"}, "CHATTER_BURST"),
        ({"CHATTER_RATE_PER_MIN": "-5"}, "CHATTER_RATE_PER_MIN"),
        ({"REST_WRITE_BURST": "0"}, "REST_WRITE_BURST"),
        ({"REST_WRITE_RATE_PER_MIN": "x"}, "REST_WRITE_RATE_PER_MIN"),
        ({"ROOMS_PER_DAY": "0"}, "ROOMS_PER_DAY"),
        ({"MAX_UPLOAD_MB": "0"}, "MAX_UPLOAD_MB"),
        ({"UPLOAD_QUOTA_MB": "lots"}, "UPLOAD_QUOTA_MB"),
        ({"FILES_ACCEL_REDIRECT": "_files"}, "FILES_ACCEL_REDIRECT"),
        ({"FILES_ACCEL_REDIRECT": "/../etc/"}, "FILES_ACCEL_REDIRECT"),
        ({"EVENT_LOOP": "trio"}, "EVENT_LOOP"),
        ({"PRESENCE_BATCH_MS": "-1"}, "PRESENCE_BATCH_MS"),
        ({"PRESENCE_ROOM_MAX": "1"}, "PRESENCE_ROOM_MAX"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, cwd=tmp_path)


def test_the_cli_says_one_line_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORT", "eighty")
    assert main(["serve"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "parley: PORT: expected an integer, got 'eighty'\n"
    assert "Traceback" not in captured.out + captured.err


# -- Redis beyond loopback needs a password or TLS; no error shows a password (issue 10, finding 7) ------------

SECRET_WORD = "hunter2-very-secret"


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://localhost/0",
        "redis://[::1]:6379",
        "redis://127.0.0.5:6379/0",
        "unix:///run/redis/redis.sock?db=0",
        f"redis://:{SECRET_WORD}@10.0.0.5:6379/0",
        f"redis://parley:{SECRET_WORD}@redis.internal:6379/0",
        "rediss://redis.internal:6380/0",
        f"redis://redis.internal:6379/0?password={SECRET_WORD}",
    ],
)
def test_redis_urls_accepted(tmp_path: Path, url: str) -> None:
    settings = Settings.from_env({"REDIS_URL": url, "SECRET_KEY": KEY}, cwd=tmp_path)
    assert settings.redis_url == url
    assert SECRET_WORD not in repr(settings)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://10.0.0.5:6379/0", "REDIS_URL: Redis at 10.0.0.5 is not on this machine, so it needs a password"),
        ("redis://redis.internal/0", "Redis at redis.internal is not on this machine"),
        ("redis://parley@redis.internal/0", "Redis at redis.internal is not on this machine"),
        (f"http://:{SECRET_WORD}@10.0.0.5", "REDIS_URL: expected redis://host:port/db"),
        (f"redis://:{SECRET_WORD}@10.0.0.5:port/0", "REDIS_URL: bad port in 'redis://:***@10.0.0.5:port/0'"),
        (f"redis://:{SECRET_WORD}@10.0.0.5:6379/zero", "REDIS_URL: the database must be a number"),
        (f"redis://u:{SECRET_WORD}@10.0.0.5:6379/x?password={SECRET_WORD}", "the database must be a number"),
        (f"redis://{SECRET_WORD}@10.0.0.5:6379/x", "got 'redis://***@10.0.0.5:6379/x'"),
        (f"redis://:{SECRET_WORD}/with@slash@10.0.0.5:6379/x", "'redis://:***@10.0.0.5:6379/x'"),
    ],
)
def test_bad_redis_urls_are_refused_without_their_password(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"REDIS_URL": url, "SECRET_KEY": KEY}, cwd=tmp_path)
    assert message in str(raised.value)
    assert SECRET_WORD not in str(raised.value)


def test_bad_database_urls_never_show_a_password(tmp_path: Path) -> None:
    for url in (f"sqlite://u:{SECRET_WORD}@host/x", f"mysql://u:{SECRET_WORD}@h:99999/db", f"pg://u:{SECRET_WORD}@h/"):
        with pytest.raises(ConfigError) as raised:
            Settings.from_env({"DATABASE_URL": url, "SECRET_KEY": KEY}, cwd=tmp_path)
        assert SECRET_WORD not in str(raised.value), raised.value
    settings = Settings.from_env({"DATABASE_URL": f"mysql://u:{SECRET_WORD}@h/db", "SECRET_KEY": KEY}, cwd=tmp_path)
    assert SECRET_WORD not in repr(settings)


def test_an_unreachable_redis_is_one_line_without_the_password(tmp_path: Path) -> None:
    """`parley serve` with Redis down: one line on stderr naming where, never the password (a real process)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/parley.db",
        "SECRET_KEY": KEY,
        "PORT": "1",  # never bound: start-up fails on Redis before the server listens
        # Port 1 on loopback: nothing listens there, so the connection is refused at once.
        "REDIS_URL": f"redis://:{SECRET_WORD}@127.0.0.1:1/0",
    }
    env.pop("HOST", None)

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "parley", *argv], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
        )

    assert run("migrate").returncode == 0
    served = run("serve")
    assert served.returncode == 1, served.stderr
    assert SECRET_WORD not in served.stdout + served.stderr
    assert "Traceback" not in served.stderr
    assert served.stderr.splitlines()[-1].startswith("parley: cannot reach Redis at redis://:***@127.0.0.1:1/0"), (
        served.stderr
    )


def test_metrics_port_is_off_by_default_and_checked() -> None:
    from parley.settings import ConfigError, Settings

    base = {"SECRET_KEY": "k" * 40}
    assert Settings.from_env(base).metrics_port is None
    assert Settings.from_env({**base, "METRICS_PORT": "0"}).metrics_port is None
    on = Settings.from_env({**base, "METRICS_PORT": "9464", "METRICS_HOST": "10.0.0.5"})
    assert (on.metrics_port, on.metrics_host) == (9464, "10.0.0.5")
    for env, says in [
        ({"METRICS_PORT": "8080"}, "METRICS_PORT: must differ from PORT"),
        ({"METRICS_PORT": "70000"}, "METRICS_PORT: must be between"),
        ({"METRICS_PORT": "9464", "METRICS_HOST": "metrics.example.com"}, "METRICS_HOST: expected an IP address"),
    ]:
        with pytest.raises(ConfigError, match=says):
            Settings.from_env({**base, **env})


def test_the_dev_key_and_var_are_the_owners_alone(tmp_path: Path) -> None:
    """Written 0600 from the first byte (created so, not chmod-ed after), in a 0700 var/, whatever the umask."""
    previous = os.umask(0o022)
    try:
        Settings.from_env({}, cwd=tmp_path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "var" / "secret_key").stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["secret_key"]


def test_a_short_dev_key_is_replaced_whole(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    old = tmp_path / "var" / "secret_key"
    old.write_text("short\n")
    old.chmod(0o644)
    key = Settings.from_env({}, cwd=tmp_path).secret_key
    assert len(key) >= 32
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_allowed_hosts() -> None:
    loopback = Settings.from_env({"SECRET_KEY": KEY})
    assert loopback.allowed_hosts == frozenset({"127.0.0.1", "localhost", "::1"})
    listed = Settings.from_env({"SECRET_KEY": KEY, "HOST": "0.0.0.0", "ALLOWED_HOSTS": "Chat.Example.com, chat2."})
    assert listed.allowed_hosts == frozenset({"chat.example.com", "chat2"})
    assert Settings.from_env({"SECRET_KEY": KEY, "HOST": "::", "ALLOWED_HOSTS": "*"}).allowed_hosts == {"*"}
    assert Settings.from_env({"SECRET_KEY": KEY, "HTTP_IDLE_TIMEOUT_S": "3"}).http_idle_timeout_s == 3.0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": KEY, "HOST": "0.0.0.0"}, "ALLOWED_HOSTS must be set when serving on 0.0.0.0"),
        ({"SECRET_KEY": KEY, "ALLOWED_HOSTS": "https://chat.example.com"}, "ALLOWED_HOSTS: 'https://chat"),
        ({"SECRET_KEY": KEY, "ALLOWED_HOSTS": "chat.example.com:443"}, "no scheme or port"),
        ({"SECRET_KEY": KEY, "HTTP_IDLE_TIMEOUT_S": "0"}, "HTTP_IDLE_TIMEOUT_S"),
    ],
)
def test_bad_edge_settings_are_refused(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, cwd=tmp_path)


def test_presence_and_event_loop_settings(tmp_path: Path) -> None:
    defaults = Settings.from_env({}, cwd=tmp_path)
    assert (defaults.presence_batch_ms, defaults.presence_room_max, defaults.event_loop) == (500, 100, "asyncio")
    env = {"PRESENCE_BATCH_MS": "0", "PRESENCE_ROOM_MAX": "5000", "EVENT_LOOP": "uvloop"}
    s = Settings.from_env(env, cwd=tmp_path)
    assert (s.presence_batch_ms, s.presence_room_max, s.event_loop) == (0, 5000, "uvloop")


def test_nginx_conf_lets_through_the_largest_upload_the_app_accepts() -> None:
    """nginx.conf's upload route allows MAX_UPLOAD_MB (the default) plus 1 MiB of multipart framing, and every
    other route 64 KiB: a change of the app's default that is not made in nginx.conf too fails here, not in
    production with a 413 from nginx for files the app would take."""
    conf = (Path(__file__).resolve().parents[1] / "nginx.conf").read_text()
    upload_route = conf[conf.index("location ~ ^/api/rooms/[0-9]+/files$") :]
    upload_route = upload_route[: upload_route.index("}")]
    limit = re.search(r"client_max_body_size (\d+)m;", upload_route)
    assert limit is not None, "the upload route sets no client_max_body_size"
    assert int(limit.group(1)) * 2**20 == Settings.__dataclass_fields__["max_upload_bytes"].default + 2**20
    assert re.findall(r"client_max_body_size (\S+);", conf) == ["64k", limit.group(1) + "m"]
