"""Run every benchmark script with its default arguments, one after the other, and summarise.

Each script prints its own table (see docs/benchmarks.md for what it measures and the budget);
this runner only sequences them, so that they never compete for the two cores, and reports
which ones failed. Usage: python benchmarks/run_all.py [--only SUBSTRING ...] [--list]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Scripts that are only a reference point run in their own environment (see their docstring).
EXCLUDED = frozenset({"run_all.py", "karrio_reference.py"})


def scripts(only: list[str]) -> list[Path]:
    """Benchmark scripts in name order, filtered by any of the given substrings."""
    found = sorted(
        path
        for path in HERE.glob("*.py")
        if not path.name.startswith("_") and path.name not in EXCLUDED
    )
    return [path for path in found if not only or any(word in path.name for word in only)]


def main() -> int:
    """Run the selected scripts and return 1 when any of them failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=[], help="substrings of script names")
    parser.add_argument("--list", action="store_true", help="print the scripts and exit")
    args = parser.parse_args()
    selected = scripts(args.only)
    if args.list:
        print("\n".join(path.name for path in selected))
        return 0
    failed: list[str] = []
    for path in selected:
        print(f"\n== {path.name} ==", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(path)], cwd=HERE.parent)
        print(f"-- {path.name}: exit {code} in {time.perf_counter() - started:.1f} s", flush=True)
        if code != 0:
            failed.append(path.name)
    print(f"\n{len(selected) - len(failed)} of {len(selected)} benchmarks ran; failed: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
