"""CloudFormation resources per stack, against the ceiling (cdk_app.table.RESOURCE_CEILING, under the
hard limit of 500): the production example config as it is, then the same with SnapStart on every route
(the largest the route table can make today). The synth is the real app's, with an empty dependencies
layer and, when the console was not built, its placeholder (neither changes a resource count).

    python -m bench.bench_stacks
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench import ROOT, Result, add_code_paths

CONFIG = ROOT / "config" / "prod.example.json"


def _counts(config: dict) -> tuple[dict[str, int], float]:
    import aws_cdk as cdk

    from cdk_app.config import parse_config
    from stacks.deployment import SynthOptions, build_deployment
    from stacks.synth import cdk_json_context

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="op-bench-stacks-") as outdir:
        app = cdk.App(outdir=outdir, context=cdk_json_context())
        build_deployment(
            app, parse_config(config, str(CONFIG)), options=SynthOptions(stub_dependencies=True, console_placeholder=True)
        )
        assembly = app.synth()
        counts = {
            stack.stack_name: len(json.loads(Path(stack.template_full_path).read_text())["Resources"])
            for stack in assembly.stacks
        }
    return counts, time.perf_counter() - started


def run() -> list[Result]:
    add_code_paths()
    from cdk_app.table import RESOURCE_CEILING

    config = json.loads(CONFIG.read_text())
    counts, seconds = _counts(config)
    target = f"<= {RESOURCE_CEILING}"
    results = [
        Result("stacks", name, count, "resources", target, f"{RESOURCE_CEILING - count} left")
        for name, count in sorted(counts.items())
    ]
    results.append(Result("stacks", "synth (in-process)", round(seconds, 1), "s", note=f"{len(counts)} stacks, {CONFIG.name}"))
    worst, _ = _counts({**config, "snapstart": "all"})
    name, count = max(worst.items(), key=lambda item: item[1])
    results.append(
        Result("stacks", "largest with snapstart=all", count, "resources", target, f"{name}: every route versioned")
    )
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
