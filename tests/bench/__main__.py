"""`python -m tests.bench` (what `make bench` runs): see tests/bench/bench.py."""

from __future__ import annotations

import sys

from tests.bench.bench import main

sys.exit(main())
