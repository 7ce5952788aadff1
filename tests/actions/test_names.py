"""Look-alike names (issue 10, finding 5): a name must not pass for another one, through the API or the admin CLI,
and free text (message bodies, topics) loses the characters that reorder or hide what follows."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from conftest import PASSWORD, Chat, connect, frame_of
from parley import cli
from parley.actions import names
from parley.store import room_name_key, username_key

CYRILLIC_E = "\u0435"
FULLWIDTH_GENERAL = "\uff27\uff25\uff2e\uff25\uff32\uff21\uff2c"
# Room names that look like `general` (or like nothing at all) and must be refused.
LOOK_ALIKES = [
    f"g{CYRILLIC_E}neral",  # Cyrillic e among Latin letters
    "gen\u03b5ral",  # Greek epsilon
    "general\u200b",  # zero-width space
    "gen\u200deral",  # zero-width joiner
    "\ufeffgeneral",  # byte order mark
    "gen\u2060eral",  # word joiner
    "\u202egeneral",  # right-to-left override
    "gen\u2067eral",  # right-to-left isolate
    "general\u200f",  # right-to-left mark
    "gen\u061ceral",  # Arabic letter mark
    "general\u00ad",  # soft hyphen
    "gen\u3164eral",  # Hangul filler, blank
    "gen\u0085eral",  # C1 control
    "gen\u2028eral",  # line separator
    "gen\ue000eral",  # private use
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_look_alike_room_names_are_refused(name: str) -> None:
    assert names.room_name_problem(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "general", "Ops 2024", "caf\u00e9", "cafe\u0301", "\u901a\u7528",
        "\u65e5\u672c\u8a9e\u306e\u30c1\u30e3\u30f3\u30cd\u30eb",  # Japanese: Han, Hiragana, Katakana
        "\ud55c\uad6d\uc5b4\ubc29", "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
        "\u0420\u0443\u0441\u0441\u043a\u0438\u0439 2", "\u05e2\u05d1\u05e8\u05d9\u05ea",
        "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "release-v2 \U0001f680", "iOS\u958b\u767a",
    ],
)
def test_single_script_names_with_shared_characters_pass(name: str) -> None:
    """One script (any), with digits, punctuation, symbols and combining marks; Han with Kana or Latin."""
    assert names.room_name_problem(name) is None


def test_keys_fold_compatibility_forms_and_case() -> None:
    assert room_name_key(FULLWIDTH_GENERAL) == room_name_key("General") == "general"
    assert room_name_key("\U0001d420eneral") == "general"  # mathematical bold g
    assert room_name_key("Stra\u00dfe") == room_name_key("STRASSE")
    assert username_key("ADMIN") == "admin"


def test_patterns_match_whole_values() -> None:
    """`$` matches before a final newline: "admin\\n" passed the old username pattern."""
    assert names.username_problem("admin\n") is not None
    assert names.username_problem("admin") is None
    assert not names.CLIENT_ID.match("abc\n")
    assert not names.USERNAME.match("admin\n")


def test_free_text_loses_nul_controls_and_bidi_controls() -> None:
    assert names.clean_text("a\x00b\u202ec\u2066d\u200fe\x1bf\tg\nh") == "abcdef\tg\nh"


async def test_admin_with_a_newline_cannot_register(chat: Chat) -> None:
    server = await chat.server()
    client = await chat.client(server)
    resp = await client.post("/api/auth/register", json={"username": "admin\n", "password": PASSWORD})
    assert resp.status == 400, await resp.text()
    assert (await resp.json())["error"]["code"] == "validation_failed"
    await chat.user(server, "admin")


async def test_look_alike_rooms_are_refused_or_taken(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    for name in LOOK_ALIKES:
        resp = await ana.post("/api/rooms", json={"name": name})
        assert resp.status == 400, (name, await resp.text())
        assert (await resp.json())["error"]["code"] == "validation_failed"
    for name in (FULLWIDTH_GENERAL, "GENERAL", "\U0001d420eneral"):
        resp = await ana.post("/api/rooms", json={"name": name})
        assert resp.status == 409, (name, await resp.text())
        assert (await resp.json())["error"]["code"] == "room_name_taken"
    rooms = (await (await ana.get("/api/rooms")).json())["rooms"]
    assert [r["name"] for r in rooms] == ["general"]


async def test_message_bodies_and_topics_lose_nul_and_bidi_controls(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    await ws.send_json({"type": "message.send", "room_id": 1, "body": "pay \u202eevil\u202c\x00 now\u2066",
                        "client_id": "c1"})
    ack = await frame_of(ws, "message.ack")
    assert ack["message"]["body"] == "pay evil now"
    history = (await (await ana.get("/api/rooms/1/messages")).json())["messages"]
    assert [m["body"] for m in history] == ["pay evil now"]
    resp = await ana.post("/api/rooms", json={"name": "ops", "topic": "on \u202ecall\u200f"})
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["room"]["topic"] == "on call"


def test_the_admin_cli_applies_the_same_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'parley.db'}")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    assert cli.main(["migrate"]) == 0
    for name in (f"g{CYRILLIC_E}neral", "general\u200b", "\u202eops"):
        assert cli.main(["create-room", name]) == 1
        assert "bad room name" in capsys.readouterr().err
    assert cli.main(["create-room", FULLWIDTH_GENERAL]) == 1
    assert "exists" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["create-user", "admin\n", "--password-stdin"]) == 1
    assert "bad username" in capsys.readouterr().err
    assert cli.main(["create-room", "ops", "--topic", "on \u202ecall"]) == 0
    capsys.readouterr()
    assert cli.main(["list-rooms", "--json"]) == 0
    assert '"topic": "on call"' in capsys.readouterr().out
