"""Run every benchmark in turn and print one table of figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

from bench._machine import reference_line


def benchmark_modules() -> list[str]:
    """Names of the benchmark modules in this folder."""
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def run_all(only: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Run each benchmark (or those named) and collect its figures."""
    results = {}
    for name in benchmark_modules():
        if only and name not in only:
            continue
        started = time.perf_counter()
        print(f"== bench.{name}", flush=True)
        try:
            results[name] = importlib.import_module(f"bench.{name}").main()
        except ImportError as e:      # a benchmark that needs an optional extra that is not installed
            print(f"   skipped: {e}", flush=True)
            continue
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return results


if __name__ == "__main__":
    print(reference_line(), flush=True)
    figures = run_all(sys.argv[1:] or None)
    print("\n| benchmark | figure | value |\n| --- | --- | --- |")
    for bench_name, values in figures.items():
        for key, value in (values or {}).items():
            print(f"| {bench_name} | {key} | {value:,.1f} |" if isinstance(value, (int, float)) else f"| {bench_name} | {key} | {value} |")
