"""The built web app (frontend/dist) in the one-process quick start; nginx serves it in production."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

# Control characters (NUL above all) name no file: the filesystem would refuse them with an exception.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def add_frontend(app: web.Application, root: Path | None) -> None:
    """Serve the built SPA: files as they are, any other path gets index.html (client-side routes).

    The route leaves /api alone, so an unknown API path (any method) is the API's own 404 `not_found` rather
    than this GET-only route's 405.
    """
    if root is None:
        return
    base = root.resolve()

    async def spa(request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("tail", "")
        if _CONTROL.search(tail):
            raise web.HTTPNotFound()
        if tail:
            candidate = _file(base, tail)
            if candidate is not None:
                response = web.FileResponse(candidate)
                if tail.startswith("assets/"):
                    # Vite puts a content hash in every asset name: safe to cache for a year.
                    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
                return response
        index = base / "index.html"
        if not index.is_file():
            return web.Response(
                status=503,
                text="The web app is not built. Run `make run` (or `cd frontend && npm ci && npm run build`).\n",
            )
        response = web.FileResponse(index)
        response.headers["Cache-Control"] = "no-cache"
        return response

    app.router.add_get(r"/{tail:(?!api(?:/|$)).*}", spa)


def _file(base: Path, tail: str) -> Path | None:
    """The file under `base` that `tail` names, or None (outside it, missing, or a name no filesystem takes)."""
    try:
        candidate = (base / tail).resolve()
        return candidate if candidate.is_relative_to(base) and candidate.is_file() else None
    except (OSError, ValueError):
        return None
