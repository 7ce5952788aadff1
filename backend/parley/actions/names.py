"""What a valid username, room name, topic and client id look like: one definition, used by the web schemas and
the admin commands alike. Each check returns the reason a value is refused, or None."""

from __future__ import annotations

import re

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")
USERNAME_RULE = "3-32 characters: letters, digits, '_', '.' or '-', starting with a letter or digit."
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ROOM_NAME_MAX = 64
TOPIC_MAX = 250
PASSWORD_MIN = 8
PASSWORD_MAX = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def username_problem(value: str) -> str | None:
    return None if USERNAME.match(value) else USERNAME_RULE


def room_name_problem(value: str) -> str | None:
    if not 1 <= len(value) <= ROOM_NAME_MAX:
        return f"Length must be between 1 and {ROOM_NAME_MAX}."
    if value != value.strip():
        return "No leading or trailing whitespace."
    if _CONTROL.search(value):
        return "No control characters."
    return None


def topic_problem(value: str) -> str | None:
    if len(value) > TOPIC_MAX:
        return f"Longer than maximum length {TOPIC_MAX}."
    if _CONTROL.search(value):
        return "No control characters."
    return None


def password_problem(value: str) -> str | None:
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        return f"a password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters"
    return None
