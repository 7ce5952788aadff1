"""The search benchmark's smoke (`scripts/bench.py search` with tiny sizes), on SQLite and MariaDB: building a
history through the store's tokens, searching it and measuring ingest all run, and the figures are all there.
No timing is asserted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from parley.settings import DatabaseUrl

ROOT = Path(__file__).resolve().parents[2]


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("parley_bench_search", ROOT / "scripts" / "bench_search.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_the_search_bench_runs(database_url: DatabaseUrl) -> None:
    url = None  # SQLite: the bench makes its own throwaway file
    if database_url.scheme == "mysql":
        url = f"mysql://{database_url.user}@localhost/{database_url.name}?unix_socket={database_url.unix_socket}"
    lines: list[str] = []
    result = await bench_module().bench_search(
        database_url=url, messages=600, rooms=5, query_count=40, ingest=40, log=lines.append
    )
    assert result["messages"] == 600 and result["queries"] == 40 and result["ingest_messages"] == 40
    assert result["tokens_per_message"] > 3
    # The marker words are common in the corpus: the queries find something, and "absent" finds nothing.
    assert result["hits_returned"] > 40
    assert set(result["p95_ms_by_kind"]) >= {"en common", "zh 1 char", "zh 2 chars", "zh 3-4 chars", "absent"}
    assert result["concurrent_ingest_messages"] == 40
    figures = ("search_ms_p50", "search_ms_p95", "insert_us_with_index", "insert_us_without_index")
    catchup = ("insert_us_with_index_and_catchup", "concurrent_insert_us_with_index_and_catchup")
    for key in (*figures, *catchup, "concurrent_insert_us_with_index", "concurrent_insert_us_without_index"):
        assert result[key] > 0, key
    assert lines[0].startswith("building 600 messages")
