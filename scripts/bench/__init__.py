"""Benchmarks: the comparison harness (`python -m scripts.bench`, __main__.py) and the per-change benches
(legacy.py, run as `python scripts/bench.py`)."""
