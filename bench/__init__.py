"""Benchmarks: `make bench` runs every bench/bench_*.py module and prints one table.

A benchmark module exposes `run() -> list[Result]` and can be run alone with
`python -m bench.bench_<name>`. Numbers are printed and written as JSON, never asserted:
the machines are shared and noisy, so targets are reported next to the figures.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def add_code_paths() -> None:
    """The same import roots as Lambda (lambdas/, the core layer) plus the repo root."""
    for part in ("", "lambdas", "layers/core/python"):
        path = str(ROOT / part) if part else str(ROOT)
        if path not in sys.path:
            sys.path.insert(0, path)


@dataclass(frozen=True)
class Result:
    benchmark: str
    metric: str
    value: float
    unit: str
    target: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lower, upper = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (k - lower)


def time_calls(fn: Callable[[], object], *, iterations: int, warmup: int = 20) -> list[float]:
    """Milliseconds per call, after warm-up calls that are not counted."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def latency_results(benchmark: str, samples: list[float], *, target_p50: str = "", target_p99: str = "") -> list[Result]:
    return [
        Result(benchmark, "p50", round(statistics.median(samples), 3), "ms", target_p50),
        Result(benchmark, "p99", round(percentile(samples, 99), 3), "ms", target_p99),
    ]
