"""Runs cold starts in fresh interpreters, each on nothing but a Lambda-like bundle (standard library only).

    unshare --mount --propagation private python -I bench/cold_runner.py < plan.json

The plan names the bundle folders to make read-only, how many processes at a time, and the jobs.
Inside its own mount namespace (unshare) the runner bind-mounts each folder read-only onto itself,
as /var/task and /opt are in Lambda: a module without valid bytecode is compiled and the write of
its cache fails. Without unshare (`"readonly": []`) the children run with -B (no cache written)
and the caller checks that the folders did not change.

Each job is one fresh `python -I -S -X importtime` process: no site-packages, no PYTHON* variables,
sys.path = the job's folders + the standard library, cwd = the first folder (Lambda's /var/task).
It imports the handler module, then calls `handler(event, context)` once (or, for the floor
figures, runs one statement). With `"snapstart": true` the SnapStart hooks the module registered
(through a stand-in of the runtime's snapshot_restore_py on its path) run between the two: the
before-snapshot warm-ups after the import, untimed as part of the call, then the after-restore
hooks and the first call, timed as the restored environment's cold start. Prints one JSON line:
per job, the times (spawn to import start, import, first call, total) or the error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

# What runs in each fresh interpreter. The runtime's own bootstrap (json, time) is loaded before
# the clock starts on the import, as in Lambda's runtime interface client.
CHILD = r"""
import time
_spawned = time.monotonic()
_cpu_spawned = time.process_time()
import json, sys
job = json.loads(sys.stdin.read())
base = [p for p in sys.path if p and p.startswith(sys.base_prefix)]  # the standard library only
sys.path[:] = job["path"] + base


class Context:
    def __init__(self, spec):
        self.__dict__.update(spec)
        self._deadline = time.monotonic() + spec["timeout_s"]

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


sys.stderr.write("@@import-start\n"); sys.stderr.flush()
t0, c0 = time.monotonic(), time.process_time()
result = raised = None
if job.get("statement"):  # a measurement of the floor: one statement, no invocation
    exec(job["statement"], {})
    t1 = t2 = time.monotonic()
    c1 = c2 = time.process_time()
    warmup = None
    sys.stderr.write("@@import-end\n"); sys.stderr.flush()
else:
    import importlib
    module = importlib.import_module(job["module"])
    t1, c1 = time.monotonic(), time.process_time()
    warmup = None
    if job.get("snapstart"):  # SnapStart: warm-ups run before the snapshot; the restored process starts after
        import snapshot_restore_py as runtime
        for hook, args, kwargs in reversed(runtime.BEFORE_SNAPSHOT):  # the runtime's order: last registered first
            hook(*args, **kwargs)
        warmup = time.monotonic() - t1
        t1, c1 = time.monotonic(), time.process_time()
        for hook, args, kwargs in runtime.AFTER_RESTORE:
            hook(*args, **kwargs)
    sys.stderr.write("@@import-end\n"); sys.stderr.flush()
    try:
        result = module.handler(job["event"], Context(job["context"]))
    except Exception as exc:  # an invocation error: Lambda reports it, the container stays warm
        raised = type(exc).__name__ + ": " + (str(exc).strip().splitlines() or [""])[0][:160]
    t2, c2 = time.monotonic(), time.process_time()
sys.stderr.write("@@invoke-end\n"); sys.stderr.flush()
status = result.get("statusCode") if isinstance(result, dict) else None
failures = len(result.get("batchItemFailures") or []) if isinstance(result, dict) and "batchItemFailures" in result else None
outside = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())} - {""})
outside = [f for f in outside if not f.startswith(tuple(job["path"])) and not f.startswith(sys.base_prefix)]
sys.stdout.write("\n@@cold " + json.dumps({
    "started": _spawned, "import_start": t0, "import_end": t1, "invoke_end": t2,
    "cpu_import": c1 - c0, "cpu_invoke": c2 - c1, "cpu_total": c2, "warmup": warmup,
    "status": status, "failures": failures, "raised": raised, "outside": outside[:5],
}) + "\n")
sys.stdout.flush()
"""

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def packages_ms(stderr: str) -> dict[str, float]:
    """Self time per top-level package of what was imported between '@@import-start' and
    '@@invoke-end' (the handler's import and its first call), in ms."""
    totals: Counter[str] = Counter()
    inside = False
    for line in stderr.splitlines():
        if line.startswith("@@import-start"):
            inside = True
            continue
        if line.startswith("@@invoke-end"):
            break
        match = _IMPORT_LINE.match(line) if inside else None
        if match:
            totals[match.group(4).split(".")[0]] += int(match.group(1)) / 1000
    return dict(totals)


def run_job(job: dict, python: str, no_cache_writes: bool) -> dict:
    argv = [python, "-I", "-S", "-X", "importtime", *(["-B"] if no_cache_writes else []), "-c", CHILD]
    spawned = time.monotonic()
    try:
        process = subprocess.run(
            argv,
            input=json.dumps(job),
            capture_output=True,
            text=True,
            env=job["env"],
            cwd=job["path"][0],
            timeout=job.get("timeout", 120),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    marker = next((line for line in reversed(process.stdout.splitlines()) if line.startswith("@@cold ")), None)
    if process.returncode != 0 or marker is None:
        tail = [line for line in process.stderr.splitlines() if not line.startswith("import time:")][-3:]
        return {"error": " | ".join(tail) or f"exit {process.returncode}"}
    timing = json.loads(marker[len("@@cold ") :])
    return {
        "total_ms": (timing["invoke_end"] - spawned) * 1000,
        "startup_ms": (timing["import_start"] - spawned) * 1000,
        "import_ms": (timing["import_end"] - timing["import_start"]) * 1000,
        "invoke_ms": (timing["invoke_end"] - timing["import_end"]) * 1000,
        # CPU time of the process itself: what the wall times would be on an idle machine, minus waits
        "cpu_import_ms": timing["cpu_import"] * 1000,
        "cpu_invoke_ms": timing["cpu_invoke"] * 1000,
        "cpu_total_ms": timing["cpu_total"] * 1000,
        "warmup_ms": timing["warmup"] * 1000 if timing["warmup"] is not None else None,
        "status": timing["status"],
        "failures": timing["failures"],
        "raised": timing["raised"],
        "outside": timing["outside"],
        "packages_ms": packages_ms(process.stderr),
    }


def main() -> None:
    plan = json.load(sys.stdin)
    for folder in plan["readonly"]:
        subprocess.run(["mount", "--bind", "-o", "ro", folder, folder], check=True)
    no_cache_writes = not plan["readonly"]
    with ThreadPoolExecutor(max_workers=plan["parallel"]) as pool:
        results = list(pool.map(lambda job: run_job(job, plan["python"], no_cache_writes), plan["jobs"]))
    readonly_checked = []
    for folder in plan["readonly"]:  # proof that the mount is read-only: a write must fail
        try:
            with open(os.path.join(folder, ".write-probe"), "w"):
                pass
            readonly_checked.append(False)
        except OSError:
            readonly_checked.append(True)
    print(json.dumps({"results": results, "readonly": all(readonly_checked) if plan["readonly"] else None}))


if __name__ == "__main__":
    main()
