"""Run every benchmark module in ``bench/`` (or the ones named) and print their figures.

Each module exposes ``main() -> None`` and prints its own figures; benchmarks
never assert on timings.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(names: list[str]) -> int:
    here = Path(__file__).resolve().parent
    modules = names or sorted(m.name for m in pkgutil.iter_modules([str(here)])
                              if not m.name.startswith("_"))
    for name in modules:
        print(f"\n=== bench {name} ===", flush=True)
        started = time.monotonic()
        importlib.import_module(f"bench.{name}").main()
        print(f"(bench {name} took {time.monotonic() - started:.1f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
