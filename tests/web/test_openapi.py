"""docs/openapi.yaml describes exactly the REST routes the server has, and the server serves it."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import Chat
from parley.app import create_app
from parley.settings import DatabaseUrl, Settings
from parley.web.openapi import openapi_path

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def described() -> set[tuple[str, str]]:
    spec = yaml.safe_load(SPEC.read_text())
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item if method in METHODS}


def routed(tmp_path: Path) -> set[tuple[str, str]]:
    settings = Settings(database=DatabaseUrl(scheme="sqlite", path=str(tmp_path / "p.db")), secret_key=b"k" * 32)
    app = create_app(settings)
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith("/api/") and route.method in {m.upper() for m in METHODS}:
            found.add((route.method, path))
    return found


def test_every_route_is_described_and_nothing_else(tmp_path: Path) -> None:
    assert routed(tmp_path) == described()


def test_the_spec_is_valid_openapi() -> None:
    import schemathesis

    schema = schemathesis.openapi.from_path(str(SPEC))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(described())


def test_the_served_file_is_the_one_in_docs() -> None:
    assert openapi_path().read_bytes() == SPEC.read_bytes()


async def test_served_to_anyone(chat: Chat) -> None:
    client = await chat.client(await chat.server())
    response = await client.get("/api/openapi.yaml")
    assert response.status == 200
    assert response.content_type == "application/yaml"
    assert yaml.safe_load(await response.text())["openapi"].startswith("3.")
