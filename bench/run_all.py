"""Run every benchmark in bench/ (what `make bench` calls) and print each one's report.

A benchmark is any `bench/*.py` except this runner and helper modules (names starting with
`_`). Each runs in its own interpreter, in name order, with its output passed straight through.
Benchmarks report rather than gate: a missed target still exits 0. This runner exits non-zero
when a benchmark could not run (its own exit code was non-zero).

    .venv/bin/python bench/run_all.py                 # all of them
    .venv/bin/python bench/run_all.py api_baseline    # only the named ones
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def discover(names: list[str]) -> list[Path]:
    found = sorted(
        path
        for path in BENCH_DIR.glob("*.py")
        if path.name != Path(__file__).name and not path.name.startswith("_")
    )
    if not names:
        return found
    by_name = {path.stem: path for path in found}
    unknown = [name for name in names if name.removesuffix(".py") not in by_name]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[name.removesuffix(".py")] for name in names]


def run_one(path: Path) -> tuple[int, float]:
    print(f"\n===== {path.name} =====", flush=True)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(path)], cwd=BENCH_DIR.parent)
    try:
        returncode = process.wait()
    except KeyboardInterrupt:
        # The benchmark got the same SIGINT: let it stop its servers instead of killing it.
        process.wait()
        raise
    return returncode, time.monotonic() - started


def main(argv: list[str]) -> int:
    benchmarks = discover(argv)
    if not benchmarks:
        print(f"no benchmarks found in {BENCH_DIR}")
        return 1
    try:
        outcomes = [(path.stem, *run_one(path)) for path in benchmarks]
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    print("\n===== summary =====")
    for name, returncode, seconds in outcomes:
        state = "ok" if returncode == 0 else f"FAILED (exit {returncode})"
        print(f"  {name:<30} {state:<20} {seconds:6.1f} s")
    failed = [name for name, returncode, _ in outcomes if returncode != 0]
    if failed:
        print(f"\n{len(failed)} benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
