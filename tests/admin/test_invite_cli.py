"""`parley invite create | list | revoke`, in-process through cli.main on SQLite and MariaDB; a token made on the
command line registers an account on a running server (REGISTRATION=invite), once."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path

import pytest
from test_admin_cli import SECRET, error_line, url_string

from conftest import PASSWORD, Chat
from parley import cli
from parley.settings import DatabaseUrl


@pytest.fixture
def db(chat: Chat, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> DatabaseUrl:
    monkeypatch.chdir(tmp_path)
    for key in ("HOST", "PORT", "REDIS_URL", "COOKIE_SECURE", "REGISTRATION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", url_string(chat.url))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    return chat.url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert cli.main(list(argv)) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


async def run_beside(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """`run` from an async test: the command runs its own event loop, so in a worker thread."""
    return await asyncio.to_thread(run, capsys, *argv)


def listed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in run(capsys, "invite", "list", "--json").splitlines()]


async def test_a_cli_invite_registers_one_account(
    db: DatabaseUrl, chat: Chat, capsys: pytest.CaptureFixture[str]
) -> None:
    out = await run_beside(capsys, "invite", "create", "--url", "https://chat.example.com/")
    lines = out.splitlines()
    assert lines[0].startswith("invite 1, valid until ")
    token = lines[1]
    assert len(token) == 32
    assert lines[2] == f"link: https://chat.example.com/invite/{token}"
    server = await chat.server(registration="invite")
    for name, status in (("newbie", 201), ("second", 403)):
        client = await chat.client(server)
        resp = await client.post("/api/auth/register", json={"username": name, "password": PASSWORD, "invite": token})
        assert resp.status == status
    [record] = [json.loads(line) for line in (await run_beside(capsys, "invite", "list", "--json")).splitlines()]
    assert (record["id"], record["state"], record["created_by"], record["used_by"]) == (1, "used", None, "newbie")


def test_expiry_listing_and_revoking(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    made = json.loads(run(capsys, "invite", "create", "--expires", "2h", "--json"))
    assert made["expires_at"] - made["created_at"] == 2 * 3_600_000
    assert made["link"] is None
    other = json.loads(run(capsys, "invite", "create", "--json"))
    assert other["expires_at"] - other["created_at"] == 7 * 86_400_000
    table = run(capsys, "invite", "list").splitlines()
    assert table[0].split() == ["id", "state", "created", "(UTC)", "expires", "(UTC)", "by", "used", "by"]
    assert [row.split()[:2] for row in table[1:]] == [["2", "active"], ["1", "active"]]
    # By token, then by id; revoking twice is harmless.
    assert run(capsys, "invite", "revoke", made["token"]) == "invite 1 revoked\n"
    assert run(capsys, "invite", "revoke", "2") == "invite 2 revoked\n"
    assert run(capsys, "invite", "revoke", "2") == "invite 2 revoked\n"
    assert [r["state"] for r in listed(capsys)] == ["revoked", "revoked"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("invite", "create", "--expires", "soon"), "bad duration 'soon'"),
        (("invite", "create", "--expires", "91d"), "an invite lasts at most 90d"),
        (("invite", "revoke", "not-a-real-token-but-long-enough"), "no invite has that token"),
        (("invite", "revoke", "!"), "no invite has that token"),
        (("invite", "revoke", "42"), "no invite with id 42"),
    ],
)
def test_mistakes_are_one_line(
    db: DatabaseUrl, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], fragment: str
) -> None:
    assert cli.main(list(argv)) == 1
    assert fragment in error_line(capsys)
