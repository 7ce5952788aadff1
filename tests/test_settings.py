"""Configuration from the environment: defaults, every bad value refused with one clear line."""

from __future__ import annotations

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
