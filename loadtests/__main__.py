"""Run the benchmarks: every ``loadtests/bench_*.py`` module's ``main()``, in name order.

``python -m loadtests`` runs them all; ``python -m loadtests NAME`` runs the ones whose name
contains NAME. Each benchmark prints its own figures; the README records them.

Two commands take their own arguments: ``python -m loadtests spike [--help]`` (the deadline
spike, ``make spike``) and ``python -m loadtests ratios [--help]`` (``make bench``: the
platform beside a bare sink, as ratios).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

COMMANDS = {"spike": "loadtests.spike.run", "ratios": "loadtests.ratios.run"}


def main(argv: list[str]) -> int:
    wanted = argv[0] if argv else ""
    if wanted in COMMANDS:
        module = importlib.import_module(COMMANDS[wanted])
        return int(module.main(argv[1:]))
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
