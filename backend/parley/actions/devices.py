"""Known devices: a signed, long-lived token naming the account that last logged in from a browser.

Every successful login (and registration, and password change) hands the browser a fresh token; the web layer
keeps it in the `parley_device` cookie (HttpOnly, SameSite=Lax, Secure like the session cookie). A login
attempt carrying a valid token for the account it names is counted against that device's own backoff instead
of the account's (actions/login_throttle.py): guessing from elsewhere cannot lock the owner out of a browser
they have used before. The token proves only that; it never logs anyone in by itself.

Format: `v1.<user id>.<issued, s>.<nonce>.<mac>`, the mac an HMAC-SHA256 over everything before it, with a key
derived from SECRET_KEY (so every process agrees, and changing the key forgets every device).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

DEVICE_COOKIE = "parley_device"
# A year: a device is "known" between visits that are months apart (holidays, a laptop used once a quarter).
DEVICE_MAX_AGE_S = 365 * 24 * 3600
# Seconds a token may seem to come from the future: processes' clocks differ a little.
CLOCK_SKEW_S = 300
_VERSION = "v1"
_TOKEN = re.compile(r"v1\.([1-9][0-9]{0,18})\.([0-9]{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})")


@dataclass(frozen=True, slots=True)
class Device:
    user_id: int
    # Random per token: the device's backoff is kept under it, apart from the user's other devices.
    nonce: str
    issued_s: int


def _mac(secret_key: bytes, payload: str) -> str:
    key = hashlib.sha256(b"parley-device:" + secret_key).digest()
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(secret_key: bytes, user_id: int, now_ms: int) -> str:
    payload = f"{_VERSION}.{user_id}.{now_ms // 1000}.{secrets.token_urlsafe(12)}"
    return f"{payload}.{_mac(secret_key, payload)}"


def read(secret_key: bytes, token: str | None, now_ms: int) -> Device | None:
    """The device a token names, or None if it is missing, malformed, forged or older than DEVICE_MAX_AGE_S."""
    if not token or len(token) > 120:
        return None
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    payload, mac = token.rsplit(".", 1)
    if not hmac.compare_digest(mac, _mac(secret_key, payload)):
        return None
    user_id, issued_s, nonce = int(match.group(1)), int(match.group(2)), match.group(3)
    if not -CLOCK_SKEW_S <= now_ms // 1000 - issued_s <= DEVICE_MAX_AGE_S:
        return None
    return Device(user_id, nonce, issued_s)
