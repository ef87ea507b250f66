"""Run every benchmark (`bench/bench_*.py`) one after another and print their figures.

    make bench                                  # all of them
    .venv/bin/python bench/run_all.py http      # only those whose name contains "http"

Benchmarks run in name order, each in its own process (the machine has 2 cores: running them at
the same time would measure each other). A failing benchmark does not stop the others; the exit
status says whether every one succeeded.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    selected = [name for name in argv if not name.startswith("-")]
    scripts = sorted(BENCH.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if any(name in s.stem for name in selected)]
    if not scripts:
        print("No benchmark matched.", flush=True)
        return 1
    outcomes: list[tuple[str, int, float]] = []
    for script in scripts:
        print(f"\n=== {script.name}", flush=True)
        began = time.monotonic()
        code = subprocess.run([sys.executable, str(script)], cwd=BENCH.parent, check=False).returncode
        outcomes.append((script.name, code, time.monotonic() - began))
    print("\n=== summary", flush=True)
    for name, code, seconds in outcomes:
        verdict = "ok" if code == 0 else f"exit {code} (targets missed or error: see above)"
        print(f"  {name:<28} {seconds:7.1f} s  {verdict}", flush=True)
    return 0 if all(code == 0 for _, code, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
