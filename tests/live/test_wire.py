"""Frames the server encodes (live/wire.py)."""

from __future__ import annotations

from parley.live import wire
from parley.models import File, Message


def test_a_new_message_s_two_frames_are_the_bytes_of_encoding_each_whole() -> None:
    """message.new and message.ack share one encoding of the message: the result is what encoding each frame as
    one object gives, byte for byte (non-ASCII text, quotes and files included)."""
    messages = [
        Message(1, 2, 3, 4, "ana", "hello", 1_700_000_000_000, "c-1", ()),
        Message(
            9,
            2,
            10,
            4,
            "zoë",
            'say "hi" \\ \u4e2d\u6587 \U0001f600\n',
            5,
            "x_Y-9",
            (4, 7),
            files=(File(3, 2, 4, 9, "a b.png", 10, "image/png", 20, 30, True, "key", 1),),
        ),
    ]
    for m in messages:
        new, ack = wire.message_frames(m, m.client_id)
        assert new == wire.encode({"type": "message.new", "message": wire.message(m)})
        assert ack == wire.encode({"type": "message.ack", "client_id": m.client_id, "message": wire.message(m)})
