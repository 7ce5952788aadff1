"""Process trees the drivers start, and how they are ended: every browser, driver and X server is started in a
new session (its own process group), its whole tree is found through /proc before it is ended, and teardown
waits until every process of that tree is gone. A browser that outlives its test would hold memory on a
2-core CI machine and could answer the next test's port."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

# How long a tree may take to die after SIGKILL before teardown reports it (zombies reaped by init count as gone).
EXIT_WAIT_S = 10.0


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may itself hold spaces or parentheses: split after the last ')'.
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree(pid: int) -> list[int]:
    """`pid` and every descendant alive now, parents first."""
    children = _children_map()
    found: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop(0)
        if p in found:
            continue
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def children(pid: int) -> set[int]:
    """The direct children of `pid` alive now."""
    return set(_children_map().get(pid, []))


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def kill_tree(pid: int, known: list[int] | None = None) -> list[int]:
    """SIGKILL `pid`'s process group and every process of its tree (plus `known` pids seen earlier); wait until
    all are gone. Returns the pids still alive after EXIT_WAIT_S (empty when the tree ended)."""
    pids = list(dict.fromkeys([*tree(pid), *(known or [])]))
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for p in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(p, signal.SIGKILL)
    deadline = time.monotonic() + EXIT_WAIT_S
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = [p for p in left if alive(p)]
    return left
