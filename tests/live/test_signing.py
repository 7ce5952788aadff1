"""Signed Redis events (signing.py): the MAC is HMAC-SHA256 under a key derived per installation and
namespace, anything else is refused, and the warning about refusals is rate-limited (literal times)."""

from __future__ import annotations

import hmac

import pytest

from parley.live.signing import MAC_BYTES, REJECT_LOG_EVERY_MS, RejectLog, Signer, event_key

SECRET = b"test-secret-key-that-is-long-enough-0123456789"


def test_the_mac_is_hmac_sha256_under_the_derived_key() -> None:
    key = event_key(SECRET, "parley")
    assert key == hmac.digest(SECRET, b"parley redis events v1\x00parley", "sha256")
    assert key != SECRET and key != event_key(SECRET, "other")
    signer = Signer(key)
    for payload in (b"", b"x", b'{"k":"msg"}\n' + b"y" * 70_000):
        assert signer.sign(payload) == hmac.digest(key, payload, "sha256") + payload
    # Keys longer than a SHA-256 block are hashed first, as RFC 2104 says.
    assert Signer(b"k" * 100).mac(b"abc") == hmac.digest(b"k" * 100, b"abc", "sha256")


def test_verify_returns_the_payload_only_for_a_valid_mac() -> None:
    signer = Signer(event_key(SECRET, "parley"))
    signed = signer.sign(b'{"k":"user","u":1}\nframe')
    assert signer.verify(signed) == b'{"k":"user","u":1}\nframe'
    for i in (0, MAC_BYTES - 1, MAC_BYTES, len(signed) - 1):
        tampered = bytearray(signed)
        tampered[i] ^= 0x01
        assert signer.verify(bytes(tampered)) is None
    assert signer.verify(signed[:-1]) is None
    assert signer.verify(signed[:MAC_BYTES - 1]) is None
    assert signer.verify(b"") is None
    assert signer.verify(b'{"k":"user","u":1,"p":"evil"}\n') is None
    assert Signer(event_key(SECRET, "elsewhere")).verify(signed) is None
    assert Signer(event_key(b"x" * 48, "parley")).verify(signed) is None


@pytest.mark.parametrize("every_ms", [REJECT_LOG_EVERY_MS, 1_000])
def test_one_warning_per_interval_reporting_how_many(every_ms: int) -> None:
    log = RejectLog(every_ms)
    assert log.rejected(10_000) == 1  # the first is reported at once
    assert [log.rejected(10_000 + i) for i in range(1, 500)] == [None] * 499
    assert log.rejected(10_000 + every_ms - 1) is None
    assert log.rejected(10_000 + every_ms) == 501  # the 499 + 1 quiet ones, and this one
    assert log.rejected(10_000 + 3 * every_ms) == 1
