"""The quick path of message.send (web/schemas.py quick_message_send) gives exactly what the schema's load gives,
and leaves every frame it is not sure of to the schema, so refusals keep the schema's wording."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from parley.web.schemas import CLIENT_FRAMES, quick_message_send

GOOD = {"type": "message.send", "room_id": 7, "body": "hello", "client_id": "c-1_A"}

FRAMES: list[dict[str, Any]] = [
    GOOD,
    {**GOOD, "extra": [1, 2]},
    {**GOOD, "body": ""},
    {**GOOD, "body": "  \u200f x \x00 "},
    {**GOOD, "body": "emoji \U0001f600 and \u4e2d\u6587"},
    {**GOOD, "body": "lone \ud800 surrogate"},
    {**GOOD, "body": 5},
    {**GOOD, "body": None},
    {**GOOD, "body": ["x"]},
    {**GOOD, "room_id": 1},
    {**GOOD, "room_id": 2**63 - 1},
    {**GOOD, "room_id": 2**63},
    {**GOOD, "room_id": 0},
    {**GOOD, "room_id": -3},
    {**GOOD, "room_id": True},
    {**GOOD, "room_id": 7.0},
    {**GOOD, "room_id": "7"},
    {**GOOD, "room_id": None},
    {**GOOD, "client_id": ""},
    {**GOOD, "client_id": "x" * 64},
    {**GOOD, "client_id": "x" * 65},
    {**GOOD, "client_id": "a b"},
    {**GOOD, "client_id": "abc\n"},
    {**GOOD, "client_id": "\u00e9"},
    {**GOOD, "client_id": 12},
    {**GOOD, "file_ids": []},
    {**GOOD, "file_ids": [3, 4]},
    {**GOOD, "file_ids": [3, 3]},
    {**GOOD, "file_ids": None},
    {k: v for k, v in GOOD.items() if k != "body"},
    {k: v for k, v in GOOD.items() if k != "room_id"},
    {k: v for k, v in GOOD.items() if k != "client_id"},
    {"type": "message.send"},
]


def _schema_load(frame: dict[str, Any]) -> dict[str, Any] | str:
    try:
        loaded: dict[str, Any] = CLIENT_FRAMES["message.send"].load({k: v for k, v in frame.items() if k != "type"})
    except ValidationError:
        return "refused"
    return loaded


@pytest.mark.parametrize("frame", FRAMES, ids=range(len(FRAMES)))
def test_the_quick_path_agrees_with_the_schema_or_defers_to_it(frame: dict[str, Any]) -> None:
    quick = quick_message_send(frame)
    if quick is not None:
        assert quick == _schema_load(frame)


def test_the_common_frame_takes_the_quick_path() -> None:
    assert quick_message_send(GOOD) == {"room_id": 7, "body": "hello", "client_id": "c-1_A", "file_ids": []}
