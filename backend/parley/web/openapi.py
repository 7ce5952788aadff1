"""GET /api/openapi.yaml: the REST API's description (docs/openapi.yaml), for clients and API tooling."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aiohttp import web

routes = web.RouteTableDef()


def openapi_path() -> Path:
    """docs/ beside the source tree (a checkout or editable install), else the copy packed into the wheel."""
    source_tree = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"
    if source_tree.is_file():
        return source_tree
    return Path(str(resources.files("parley") / "openapi.yaml"))


@routes.get("/api/openapi.yaml")
async def openapi(request: web.Request) -> web.FileResponse:
    response = web.FileResponse(openapi_path())
    response.content_type = "application/yaml"
    return response
