"""The hostile-input suite's smoke (the long run is `make fuzz`): generated REST requests from docs/openapi.yaml
and generated WebSocket frames against a real `parley serve` process. Zero 5xx, zero answers that break the
description, zero `internal_error` frames, only documented close codes, zero tracebacks in the server's log,
and the server's RSS under 200 MiB."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def fuzz_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("parley_fuzz", ROOT / "scripts" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def test_generated_requests_and_frames_break_nothing() -> None:
    findings = fuzz_module().run(rest=450, ws=1500, seed=20261130, max_rss_mib=200.0)
    assert findings.inputs_rest >= 400 and findings.inputs_ws == 1500
    assert findings.problems == {}
