"""The known-device token (actions/devices.py): what it names, and that nothing else passes for one."""

from __future__ import annotations

from parley.actions import devices

KEY = b"test-secret-key-that-is-long-enough-0123456789"
NOW_MS = 1_700_000_000_000


def test_a_token_names_its_account_and_a_fresh_nonce() -> None:
    first, second = devices.issue(KEY, 42, NOW_MS), devices.issue(KEY, 42, NOW_MS)
    a, b = devices.read(KEY, first, NOW_MS), devices.read(KEY, second, NOW_MS)
    assert a is not None and b is not None
    assert (a.user_id, a.issued_s) == (42, NOW_MS // 1000)
    assert a.nonce != b.nonce
    assert len(first) < 120


def test_forgeries_and_strangers_are_none() -> None:
    token = devices.issue(KEY, 42, NOW_MS)
    _, user, issued, nonce, mac = token.split(".")
    other_mac = "A" * 43 if mac != "A" * 43 else "B" * 43
    for bad in (
        None,
        "",
        "v1",
        token + "x",
        f"v1.43.{issued}.{nonce}.{mac}",  # another account under this signature
        f"v1.{user}.{int(issued) + 1}.{nonce}.{mac}",  # another time
        f"v1.{user}.{issued}.{nonce}.{other_mac}",
        f"v2.{user}.{issued}.{nonce}.{mac}",
        f"v1.0{user}.{issued}.{nonce}.{mac}",
        token.replace(".", ":"),
        "v1." + "9" * 500,
    ):
        assert devices.read(KEY, bad, NOW_MS) is None, bad
    # Another SECRET_KEY forgets every device.
    assert devices.read(b"another-secret-key-that-is-long-enough-000", token, NOW_MS) is None


def test_a_token_lasts_a_year_and_tolerates_small_clock_differences() -> None:
    token = devices.issue(KEY, 7, NOW_MS)
    year_ms = devices.DEVICE_MAX_AGE_S * 1000
    assert devices.read(KEY, token, NOW_MS + year_ms) is not None
    assert devices.read(KEY, token, NOW_MS + year_ms + 1000) is None
    # Made by a process whose clock runs a little ahead of this one's.
    assert devices.read(KEY, token, NOW_MS - 60_000) is not None
    assert devices.read(KEY, token, NOW_MS - 3_600_000) is None
