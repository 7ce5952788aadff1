"""The built web app (frontend/dist) in the one-process quick start; nginx serves it in production."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web


def add_frontend(app: web.Application, root: Path | None) -> None:
    """Serve the built SPA: files as they are, any other path gets index.html (client-side routes)."""
    if root is None:
        return
    base = root.resolve()

    async def spa(request: web.Request) -> web.StreamResponse:
        tail = request.match_info.get("tail", "")
        if tail.startswith("api/"):
            raise web.HTTPNotFound()
        if tail:
            candidate = (base / tail).resolve()
            if candidate.is_relative_to(base) and candidate.is_file():
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

    app.router.add_get("/{tail:.*}", spa)
