"""Reading what a client sends: JSON with a bounded nesting depth (REST bodies and WebSocket frames alike), a
bounded body read, and loading it with a marshmallow schema into a 400 that names the fields."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from marshmallow import Schema, ValidationError

from parley import errors

# Matches Settings.max_frame_bytes: no valid REST body comes near it.
MAX_BODY_BYTES = 65_536
# No valid body or frame nests deeper than 3; the margin is for clients that wrap. Python's parser recurses, and
# 60 KB of `[` would otherwise end in a RecursionError.
JSON_DEPTH_MAX = 32
# 64 KiB arrive within this on any link that works; a client trickling a body holds a connection no longer.
BODY_READ_TIMEOUT_S = 10.0


class JsonError(ValueError):
    """Not JSON, or nested deeper than JSON_DEPTH_MAX; the message says which."""


def parse_json(raw: str | bytes) -> Any:
    """json.loads, refusing what is nested deeper than JSON_DEPTH_MAX (whatever the interpreter's stack)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise JsonError("nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise JsonError("not valid JSON") from None
    # No text with fewer opening brackets than the limit can nest deeper (a count in C: the walk below cost more
    # than the parse, for every chat message); brackets inside strings count too, so this only errs towards the walk.
    if _openings(raw) > JSON_DEPTH_MAX and _deeper_than(data, JSON_DEPTH_MAX):
        raise JsonError("nested too deeply")
    return data


def _openings(raw: str | bytes) -> int:
    if isinstance(raw, str):
        return raw.count("{") + raw.count("[")
    return raw.count(b"{") + raw.count(b"[")


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` deep; iterative, so the check itself cannot overflow."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


async def load_body(request: web.Request, schema: Schema) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise errors.ApiError(413, "payload_too_large", "The request body is too large.")
    try:
        async with asyncio.timeout(BODY_READ_TIMEOUT_S):
            raw = await request.read()
    except TimeoutError:
        raise errors.ApiError(408, "request_timeout", "The request body did not arrive in time.") from None
    if len(raw) > MAX_BODY_BYTES:
        raise errors.ApiError(413, "payload_too_large", "The request body is too large.")
    try:
        data = parse_json(raw) if raw else None
    except JsonError as exc:
        raise errors.ApiError(400, "invalid_json", f"The body is {exc}.") from None
    if not isinstance(data, dict):
        raise errors.ApiError(400, "invalid_json", "The body must be a JSON object.")
    return load(schema, data)


def field_errors(exc: ValidationError) -> dict[str, Any]:
    messages = exc.messages
    return messages if isinstance(messages, dict) else {"_schema": messages}


def load(schema: Schema, data: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        raise errors.validation_failed(field_errors(exc)) from None
    return result
