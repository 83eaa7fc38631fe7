"""Run the benchmarks: every ``loadtests/bench_*.py`` module's ``main()``, in name order.

``python -m loadtests`` runs them all; ``python -m loadtests NAME`` runs the ones whose name
contains NAME. Each benchmark prints its own figures; the README records them.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    wanted = argv[0] if argv else ""
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py") if wanted in p.stem)
    if not names:
        print("no benchmark matches", wanted or "(all)")
        return 1
    for name in names:
        print(f"== {name}")
        module = importlib.import_module(f"loadtests.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
