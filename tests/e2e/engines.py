"""The `browser` fixture: every test that takes it runs once per engine (Chromium, Firefox ESR, WebKitGTK).

An engine that is not installed skips on a developer machine and fails under CI=true (conftest.service_missing).
On a failure every page still open is saved as a PNG under test-artifacts/. Teardown ends every process the
engine started; one that outlives it fails the test. The versions actually driven are printed at the end of the
run (`engines tested:`), read from the browsers themselves.
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from conftest import service_missing

from .drivers.base import COMMAND_TIMEOUT_S, Browser
from .drivers.chromium import CHROMIUM, ChromiumBrowser
from .drivers.firefox import FIREFOX, FirefoxBrowser
from .drivers.webkit import WEBKIT_DRIVER, XVFB, WebKitBrowser

ENGINES = ("chromium", "firefox", "webkit")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# What each engine needs on the machine: files, then Python modules. .ci/run installs them.
_NEEDS: dict[str, tuple[tuple[Path, ...], tuple[str, ...]]] = {
    "chromium": ((CHROMIUM,), ("playwright",)),
    "firefox": ((FIREFOX,), ()),
    "webkit": ((WEBKIT_DRIVER, XVFB), ("selenium",)),
}
# Engine name -> "engine version" strings seen in this run, for the summary line.
VERSIONS_SEEN: dict[str, str] = {}


def engine_missing(engine: str) -> str | None:
    files, modules = _NEEDS[engine]
    for path in files:
        if not path.is_file():
            return f"{engine}: {path} (apt-get install {'chromium' if engine == 'chromium' else path.name})"
    for module in modules:
        if importlib.util.find_spec(module) is None:
            return f"{engine}: the Python package {module} (pip install -e '.[test]')"
    return None


async def launch(engine: str) -> Browser:
    missing = engine_missing(engine)
    if missing:
        service_missing(missing)
    if engine == "chromium":
        return await ChromiumBrowser.launch()
    if engine == "firefox":
        return await FirefoxBrowser.launch()
    return await WebKitBrowser.launch()


async def save_screenshots(browser: Browser, test_name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    for page in browser.pages:
        try:
            png = await asyncio.wait_for(page.screenshot(), COMMAND_TIMEOUT_S)
        except Exception as exc:  # a closed page, or a hung one: never hide the test's own failure
            print(f"screenshot of {page.name} failed: {exc}")
            continue
        (ARTIFACTS / f"{safe}-{page.name}.png").write_bytes(png)


@pytest.fixture(name="browser", params=ENGINES)
async def engine_browser(request: pytest.FixtureRequest) -> AsyncIterator[Browser]:
    """One engine for one test; each `new_context()` is a separate user."""
    b = await launch(request.param)
    try:
        yield b
    finally:
        try:
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                await save_screenshots(b, request.node.name)
        finally:
            if b.version:
                VERSIONS_SEEN[b.engine] = b.version
            await b.close()
