"""Versioned schema migrations: db/<backend>/NNNN_name.sql, applied in order, recorded in schema_version."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from parley.store import Store
from parley.store.name_keys import recompute_name_keys

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    path: Path

    def statements(self) -> list[str]:
        """Split on ';' at the end of a line; our migration files hold no procedures or triggers."""
        lines = [line for line in self.path.read_text().splitlines() if not line.strip().startswith("--")]
        return [part.strip() for part in re.split(r";\s*$", "\n".join(lines), flags=re.M) if part.strip()]


def migrations_dir(kind: str) -> Path:
    """db/ beside the source tree (a checkout or editable install), else the copy packed into the wheel."""
    source_tree = Path(__file__).resolve().parents[3] / "db" / kind
    if source_tree.is_dir():
        return source_tree
    return Path(str(resources.files("parley") / "db" / kind))


def available(kind: str) -> list[Migration]:
    found = []
    for path in sorted(migrations_dir(kind).iterdir()):
        match = _FILE.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), path))
    return found


async def pending(store: Store) -> list[Migration]:
    await store.ensure_version_table()
    done = await store.applied_versions()
    return [m for m in available(store.kind) if m.version not in done]


async def _reindex(store: Store) -> int:
    return await store.reindex()


# Steps SQL cannot do, run right after the migration of that name: recomputing keys needs Python's NFKC, and so
# do the search tokens of the messages stored before the index existed.
_AFTER: dict[str, Callable[[Store], Awaitable[object]]] = {"name_keys": recompute_name_keys, "search": _reindex}


async def migrate(store: Store, now_ms: int, *, upto: int | None = None) -> list[Migration]:
    """Apply every pending migration in order (or those up to version `upto`); return those applied."""
    todo = [m for m in await pending(store) if upto is None or m.version <= upto]
    for migration in todo:
        await store.apply_migration(migration.version, migration.name, migration.statements(), now_ms)
        step = _AFTER.get(migration.name)
        if step is not None:
            await step(store)
    return todo
