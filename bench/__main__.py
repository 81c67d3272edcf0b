"""`python -m bench [name ...]`: run the benchmarks, print one table, write bench/results/latest.json."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from bench import ROOT, Result, add_code_paths


def discover() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules([str(ROOT / "bench")]) if info.name.startswith("bench_"))


def print_table(results: list[Result]) -> None:
    headers = ("benchmark", "metric", "value", "unit", "target", "note")
    rows = [(r.benchmark, r.metric, f"{r.value:g}", r.unit, r.target, r.note) for r in results]
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:<{width}}}" for width in widths)
    print(line.format(*headers))
    print(line.format(*("-" * width for width in widths)))
    for row in rows:
        print(line.format(*row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. import card_page")
    args = parser.parse_args(argv)
    add_code_paths()
    wanted = [f"bench_{name.removeprefix('bench_')}" for name in args.names] or discover()
    results: list[Result] = []
    failures = 0
    for name in wanted:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            results.extend(importlib.import_module(f"bench.{name}").run())
        except Exception:
            failures += 1
            traceback.print_exc()
            results.append(Result(name, "error", float("nan"), "", note="failed: see the traceback above"))
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print_table(results)
    out = ROOT / "bench" / "results" / "latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    print(f"\nwrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
