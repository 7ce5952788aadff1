"""The session cookie's format: a Fernet token (aiohttp-session's encrypted storage) over {"session": {"sid"}}.

The web layer sets and reads it through aiohttp-session; `parley online` makes one for a short-lived admin
session to ask the running server. Both derive the key here, from SECRET_KEY, so they always agree.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

from cryptography import fernet

COOKIE_NAME = "parley_session"


def cookie_fernet(secret_key: bytes) -> fernet.Fernet:
    # Fernet wants 32 url-safe base64 bytes; derive them from SECRET_KEY so any long secret works.
    return fernet.Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"parley-session:" + secret_key).digest()))


def cookie_value(secret_key: bytes, session_id: str, created_s: int) -> str:
    """The cookie the server would set for a session (aiohttp-session's JSON layout, encrypted)."""
    data = json.dumps({"created": created_s, "session": {"sid": session_id}})
    return cookie_fernet(secret_key).encrypt(data.encode()).decode()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)
