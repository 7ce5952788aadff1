#!/usr/bin/env python3
"""The per-change benches (idle, fanout, hello, sign, limits): scripts/bench/legacy.py; see its docstring.

    .venv/bin/python scripts/bench.py fanout --receivers 500 --senders 10 --rate 50 --seconds 10

The comparison with Socket.IO and a naive aiohttp loop is `python -m scripts.bench` (scripts/bench/__main__.py).
"""

import sys

from bench.legacy import main  # scripts/ is this script's sys.path[0], so `bench` is the scripts/bench package

if __name__ == "__main__":
    sys.exit(main())
