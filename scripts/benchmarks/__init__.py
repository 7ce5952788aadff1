"""The comparison of Parley with the Socket.IO tutorial server and a naive aiohttp loop: `python -m scripts.benchmarks`
(__main__.py). The per-change benches stay in scripts/bench.py (its siblings import it as `bench`)."""
