"""Cold start of every function in the route table, the way Lambda runs it, beside the seed's monolith.

For every Route, Worker, Schedule and TopicConsumer of lambdas/routes.py (derived from the table,
so new functions are measured without touching this file):

- the bundle is what a deployable synth produces (bench/cold_bundles.py): the function's code asset
  and its layers as synthesized, laid out as /var/task and /opt, the arm64 dependencies layer
  rebuilt for this machine at the same versions, and compiled for this machine's Python the way
  the runtime's bytecode is (unchecked-hash .pyc; the shipped cpython-312 files are unusable by 3.11);
- each run is a fresh `python -I -S` process (bench/cold_runner.py): sys.path is the bundle and the
  standard library, nothing else; the bundle folders are bind-mounted read-only (a private mount
  namespace), so no bytecode cache can be written, as in Lambda;
- it imports the handler module (the init phase), then calls `handler(event, context)` once
  with a realistic event against the benchmark's local stack (embedded PostgreSQL with the demo
  data, moto): routes get a payload 2.0 event with the demo tenant's admin claims (jwt routes),
  the seeded demo ids in their path parameters (public GETs run for real against a seeded card),
  the OpenAPI document's required query parameters, and `{}` as the JSON body of writes (a
  validation answer: import and first call are the point); secrets are read through a stand-in of
  the Parameters and Secrets extension (local/secrets_extension.py, on moto), as every function that
  reads one does in AWS; workers get an SQS event with one `{}`
  record, schedules an EventBridge scheduled event, topic consumers an SNS event with a `{}` message.

The same is measured, in the same run and interleaved with ours, for the seed-style monolith
(bench/monolith.py: FastAPI + Mangum + SQLAlchemy async + asyncpg + SlowAPI + python-jose + boto3 +
qrcode, 43 routes over the 17 tables; import, then a first GET /c/{card_id}), and both again from
the same bundles without bytecode (what Lambda ran before issue 15).

Reported per function, medians of RUNS: import and first call, and their sum against the target
(200 ms for public routes, which include the tracking routes; 300 ms for every other function);
the total as a fresh process sees it (spawn to the end of the first call); the no-bytecode sum;
the ratio to the monolith's sum. Where the target is missed, the heaviest packages of import and
first call (self time per top-level package from -X importtime). boto3, jinja2 and cryptography
loaded by a function are named; boto3 in a function whose Needs name no AWS resource is flagged.

    python -m bench cold_start        (BENCH_COLD_RUNS=5, BENCH_COLD_SOURCE_RUNS=3, BENCH_COLD_PARALLEL=1,
                                       BENCH_COLD_ONLY='qr|wallet/google': only the functions it finds)

Google's wallet API is not reachable from here and the local stack's fake of it lives in the local
stack's own process, so `GET /c/{card_id}/wallet/google` answers 503 in these fresh processes, after
its failed connection; its first call is timed all the same.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench import ROOT, Result, add_code_paths

TARGET_MS = 300.0
PUBLIC_TARGET_MS = 200.0
MONOLITH_RATIO_TARGET = 0.25
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
# The no-bytecode comparison costs three times as much per run; its median comes from fewer runs.
SOURCE_RUNS = int(os.environ.get("BENCH_COLD_SOURCE_RUNS", "3"))
# A regular expression: measure only the functions whose label it finds (the monolith always runs).
ONLY = os.environ.get("BENCH_COLD_ONLY", "")
# One at a time: on a 2-CPU machine two children compete with each other, not only with the load.
PARALLEL = int(os.environ.get("BENCH_COLD_PARALLEL", "1"))
WATCHED = ("boto3", "jinja2", "cryptography")
TOP_HEAVY = 4
KINDS = ("bytecode", "source")
SNAPSTART = "snapstart"  # public functions only: the first call of an environment restored from a snapshot
# The Lambda runtime's SnapStart module, which only exists there: this stand-in records the hooks, and
# bench/cold_runner.py runs them where Lambda would (before the snapshot; after each restore).
SNAPSHOT_RESTORE_PY = '''"""Stand-in for the Lambda runtime's snapshot_restore_py (make bench only)."""
BEFORE_SNAPSHOT = []
AFTER_RESTORE = []


def register_before_snapshot(hook, *args, **kwargs):
    BEFORE_SNAPSHOT.append((hook, args, kwargs))
    return hook


def register_after_restore(hook, *args, **kwargs):
    AFTER_RESTORE.append((hook, args, kwargs))
    return hook
'''


@dataclass
class Function:
    label: str  # "GET /health", "worker imports", ...
    module: str
    public: bool
    needs: Any
    event: dict[str, Any]
    invoked: str  # what the first call was, in words
    memory_mb: int = 256
    timeout_s: int = 10

    @property
    def target_ms(self) -> float:
        return PUBLIC_TARGET_MS if self.public else TARGET_MS


@dataclass
class Measured:
    function: Function
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {kind: [] for kind in (*KINDS, SNAPSTART)})

    def good(self, kind: str) -> list[dict[str, Any]]:
        return [run for run in self.runs[kind] if "error" not in run]

    def median(self, kind: str, key: str) -> float:
        good = self.good(kind)
        return statistics.median(run[key] for run in good) if good else float("nan")

    def cold(self, kind: str) -> float:
        """Import + first call (what the targets are about), median over the runs."""
        good = self.good(kind)
        return statistics.median(run["import_ms"] + run["invoke_ms"] for run in good) if good else float("nan")


# --- events -------------------------------------------------------------------------------


def _fill_path(path: str, ids: dict[str, str]) -> tuple[str, dict[str, str]]:
    params: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).rstrip("+")
        params[name] = ids.get(name) or str(uuid.uuid4())
        return params[name]

    return re.sub(r"\{([^}]+)\}", replace, path), params


def _query_value(schema: dict[str, Any]) -> str:
    for choice in ("enum", "anyOf", "oneOf"):
        if choice == "enum" and schema.get("enum"):
            return str(schema["enum"][0])
        if choice != "enum" and schema.get(choice):
            for option in schema[choice]:
                if option.get("type") != "null":
                    return _query_value(option)
    if "default" in schema and schema["default"] is not None:
        return str(schema["default"])
    if schema.get("examples"):
        return str(schema["examples"][0])
    suggested = re.search(r"e\.g\.\s*([\w.:-]+)", schema.get("description", ""))
    if suggested:  # "e.g. card_views, emails_opened": the first one the description names
        return suggested.group(1)
    kind, fmt = schema.get("type"), schema.get("format")
    if fmt == "date-time":
        return "2030-01-01T00:00:00Z"
    if fmt == "date":
        return "2030-01-01"
    if fmt == "uuid":
        return str(uuid.uuid4())
    if kind in ("integer", "number"):
        return str(schema.get("minimum", 1))
    if kind == "boolean":
        return "true"
    return "x"


def required_query(document: dict[str, Any] | None, method: str, path: str) -> str:
    if not document:
        return ""
    operation = (document.get("paths", {}).get(path) or {}).get(method.lower()) or {}
    pairs = []
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and parameter.get("required"):
            pairs.append(f"{parameter['name']}={_query_value(parameter.get('schema') or {})}")
    return "&".join(pairs)


def route_function(
    route: Any, ids: dict[str, str], document: dict[str, Any] | None, tenant_id: str, cloudfront: list[tuple[str, str]]
) -> Function:
    from local.events import http_api_event

    # A DELETE gets ids that do not exist: the demo data must outlive the runs of the others.
    raw_path, params = _fill_path(route.path, {} if route.method == "DELETE" else ids)
    query = required_query(document, route.method, route.path)
    body = b"{}" if route.method in ("POST", "PUT", "PATCH") else b""
    claims = None
    if not route.is_public:
        role = "admin" if "admin" in route.roles else route.roles[0]
        claims = {
            "sub": bench_sub(role),
            "custom:tenant_id": tenant_id,
            "custom:role": role,
            "cognito:username": f"bench-{role}@example.test",
            "token_use": "id",
        }
    event = http_api_event(
        method=route.method,
        raw_path=raw_path,
        raw_query=query,
        header_pairs=[
            *([("content-type", "application/json")] if body else [("user-agent", "Mozilla/5.0 (iPhone) bench")]),
            *(cloudfront if route.is_public else []),  # public routes answer only what came through CloudFront
        ],
        body=body,
        route_key=route.route_key,
        path_parameters=params or None,
        claims=claims,
    )
    invoked = f"{route.method} {'{}' if body else ''}{'?' + query if query else ''}".replace("  ", " ").strip()
    return Function(
        label=route.route_key,
        module=route.handler,
        public=route.is_public,
        needs=route.needs,
        event=event,
        invoked=invoked,
        memory_mb=route.needs.memory_mb,
        timeout_s=route.needs.timeout_s,
    )


def worker_function(worker: Any, resources: Any, region: str) -> Function:
    from local.events import sqs_event

    queue = resources.queues.get(worker.queue)
    arn = queue.arn if queue else f"arn:aws:sqs:{region}:123456789012:{worker.queue}"
    now_ms = str(int(time.time() * 1000))
    message = {
        "MessageId": str(uuid.uuid4()),
        "ReceiptHandle": uuid.uuid4().hex,
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": now_ms, "ApproximateFirstReceiveTimestamp": now_ms, "SenderId": "BENCH"},
    }
    return Function(
        label=f"worker {worker.name}",
        module=worker.handler,
        public=False,
        needs=worker.needs,
        event=sqs_event([message], queue_arn=arn, region=region),
        invoked="SQS batch of one {} record",
        memory_mb=worker.needs.memory_mb,
        timeout_s=worker.needs.timeout_s,
    )


def schedule_function(schedule: Any, region: str) -> Function:
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:123456789012:rule/{schedule.name}"],
        "detail": {},
    }
    return Function(
        label=f"schedule {schedule.name}",
        module=schedule.handler,
        public=False,
        needs=schedule.needs,
        event=event,
        invoked="EventBridge scheduled event",
        memory_mb=schedule.needs.memory_mb,
        timeout_s=schedule.needs.timeout_s,
    )


def topic_function(consumer: Any, region: str) -> Function:
    topic_arn = f"arn:aws:sns:{region}:123456789012:{consumer.topic}"
    event = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": topic_arn,
                    "Subject": None,
                    "Message": "{}",
                    "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "SignatureVersion": "1",
                    "Signature": "",
                    "SigningCertUrl": "",
                    "UnsubscribeUrl": "",
                    "MessageAttributes": {},
                },
            }
        ]
    }
    return Function(
        label=f"topic {consumer.name}",
        module=consumer.handler,
        public=False,
        needs=consumer.needs,
        event=event,
        invoked="SNS notification with a {} message",
        memory_mb=consumer.needs.memory_mb,
        timeout_s=consumer.needs.timeout_s,
    )


def bench_sub(role: str) -> str:
    """The Cognito sub of the benchmark's user of `role` (authorization reads the caller's row)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://outreachpass.dev/bench/{role}"))


def ensure_bench_users(stack: Any, tenant_id: str) -> None:
    """An active users row per role in the demo tenant, with the sub the events' claims carry."""
    from local.seed import ensure_staff_user

    for role in ("admin", "user", "exhibitor"):
        ensure_staff_user(stack.db_urls.admin_url, tenant_id, email=f"bench-{role}@example.test", role=role, sub=bench_sub(role))


def functions_of_the_table(stack: Any) -> list[Function]:
    import routes
    from bench.shared_stack import demo_ids

    ids = demo_ids(stack)
    ensure_bench_users(stack, ids["tenant_id"])
    try:
        from local.stack import openapi_document

        document: dict[str, Any] | None = openapi_document()
    except Exception as exc:  # a half-written handler elsewhere must not stop the benchmark
        print(f"  (no OpenAPI document, required query parameters left out: {exc!r})", file=sys.stderr)
        document = None
    region = stack.region
    from local.edge import origin_headers

    cloudfront = origin_headers()  # the origin-verify header CloudFront adds, read once from the local stack
    found = [route_function(route, ids, document, ids["tenant_id"], cloudfront) for route in routes.ROUTES]
    found += [worker_function(w, stack.resources, region) for w in getattr(routes, "WORKERS", ())]
    found += [schedule_function(s, region) for s in getattr(routes, "SCHEDULES", ())]
    found += [topic_function(t, region) for t in getattr(routes, "TOPIC_CONSUMERS", ())]
    return found


# --- running ------------------------------------------------------------------------------


def base_env() -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ") if key in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env["AWS_LAMBDA_FUNCTION_NAME"] = "outreachpass-bench"  # Powertools reads it as "in Lambda"
    return env


def function_job(function: Function, paths: list[str], env: dict[str, str], stage: str, region: str) -> dict[str, Any]:
    from local.events import function_name

    name = function_name(stage, function.module)
    return {
        "module": function.module,
        "event": function.event,
        "path": paths,
        "env": env,
        "context": {
            "function_name": name,
            "function_version": "$LATEST",
            "invoked_function_arn": f"arn:aws:lambda:{region}:123456789012:function:{name}",
            "memory_limit_in_mb": function.memory_mb,
            "aws_request_id": str(uuid.uuid4()),
            "log_group_name": f"/aws/lambda/{name}",
            "log_stream_name": "bench",
            "timeout_s": function.timeout_s,
        },
    }


def can_mount_read_only() -> bool:
    """A private mount namespace with a read-only bind mount works here (root, unshare allowed)."""
    unshare = shutil.which("unshare")
    if not unshare or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "true"], capture_output=True, timeout=30, check=False
    )
    return probe.returncode == 0


def run_plan(jobs: list[dict[str, Any]], folders: list[str], read_only: bool) -> tuple[list[dict[str, Any]], bool | None]:
    plan = {
        "python": getattr(sys, "_base_executable", sys.executable),
        "parallel": PARALLEL,
        "readonly": folders if read_only else [],
        "jobs": jobs,
    }
    argv = [sys.executable, "-I", str(ROOT / "bench" / "cold_runner.py")]
    if read_only:
        argv = [shutil.which("unshare") or "unshare", "--mount", "--propagation", "private", *argv]
    process = subprocess.run(argv, input=json.dumps(plan), capture_output=True, text=True, timeout=7200, check=False)
    if process.returncode != 0:
        raise RuntimeError(f"cold_runner failed:\n{process.stderr[-3000:]}")
    report = json.loads(process.stdout.strip().splitlines()[-1])
    return report["results"], report["readonly"]


def uses_aws(needs: Any) -> bool:
    return bool(needs.buckets or needs.send_queues or needs.secrets or needs.send_email or needs.cognito_admin)


def answer_of(run: dict[str, Any]) -> str:
    if run.get("raised"):
        return f"raised {run['raised']}"
    if run.get("status") is not None:
        return str(run["status"])
    return f"{run['failures']} failed" if run.get("failures") is not None else "ok"


def heaviest(runs: list[dict[str, Any]]) -> Counter[str]:
    packages: Counter[str] = Counter()
    for run in runs:
        packages.update({name: ms / len(runs) for name, ms in run["packages_ms"].items()})
    return packages


def summarize(measured: Measured, monolith_ms: float) -> Result:
    function = measured.function
    target = f"<= {function.target_ms:.0f} ms"
    good = measured.good("bytecode")
    if not good:
        error = next((run["error"] for run in measured.runs["bytecode"] if "error" in run), "no run finished")
        return Result("cold_start", function.label, float("nan"), "ms", target, f"FAILED: {error}"[:200])
    cold = measured.cold("bytecode")
    source = measured.cold("source")
    packages = heaviest(good)
    loaded = [name for name in WATCHED if packages.get(name)]
    verdict = "ok" if cold <= function.target_ms else "MISS"
    note = (
        f"{verdict}; import {measured.median('bytecode', 'import_ms'):.0f} + first call "
        f"{measured.median('bytecode', 'invoke_ms'):.0f} ({function.invoked} -> {answer_of(good[-1])}); "
        f"CPU {measured.median('bytecode', 'cpu_import_ms'):.0f} + {measured.median('bytecode', 'cpu_invoke_ms'):.0f}; "
        f"fresh process {measured.median('bytecode', 'total_ms'):.0f}; "
        f"no bytecode {source:.0f} (x{source / cold:.1f}); {cold / monolith_ms:.2f}x monolith"
    )
    if measured.good(SNAPSTART):
        note += (
            f"; SnapStart: first call after restore {measured.median(SNAPSTART, 'invoke_ms'):.0f} "
            f"(import and warm-ups {measured.median(SNAPSTART, 'import_ms') + measured.median(SNAPSTART, 'warmup_ms'):.0f} "
            "done before the snapshot)"
        )
    if loaded:
        note += f"; loads {', '.join(loaded)}"
    if "boto3" in loaded and not uses_aws(function.needs):
        note += "; boto3 loaded but Needs name no AWS resource"
    if verdict == "MISS":
        note += "; heaviest (ms): " + ", ".join(f"{name} {ms:.0f}" for name, ms in packages.most_common(TOP_HEAVY))
    outside = {path for run in good for path in run.get("outside", [])}
    if outside:
        note += f"; OUTSIDE THE BUNDLE: {sorted(outside)[:2]}"
    return Result("cold_start", function.label, round(cold, 1), "ms", target, note)


FLOOR = (
    ("interpreter start (python -I -S -c pass)", "pass"),
    ("import pydantic", "import pydantic"),
    ("import psycopg", "import psycopg"),
    ("import aws_lambda_powertools.event_handler", "import aws_lambda_powertools.event_handler"),
    ("import outreachpass.api", "import outreachpass.api"),
    ("without the secrets extension: DB secret client (boto3 + Powertools parameters)",
     "from aws_lambda_powertools.utilities.parameters import SecretsProvider\nSecretsProvider()"),
    ("with it (as deployed): the secrets reader (outreachpass.integrations.secrets + http.client)",
     "import http.client\nimport outreachpass.integrations.secrets"),
)


def load_note() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return ""
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def run() -> list[Result]:
    add_code_paths()
    from bench.cold_bundles import WORK_DIR, mirror, synthesize, tree_fingerprint
    from bench.monolith import FIRST_CALL, ensure_monolith
    from bench.shared_stack import shared_stack
    from cdk_app.bundling import function_bundles

    stack = shared_stack()
    functions = [f for f in functions_of_the_table(stack) if not ONLY or re.search(ONLY, f.label)]
    stage, region = stack.config.stage, stack.region

    outdir = WORK_DIR / "cdk.out"
    print("  cold_start: synthesizing the deployable bundles ...", file=sys.stderr, flush=True)
    synth_s = synthesize(outdir)
    bundles: dict[str, Any] = {}
    for bundle in function_bundles(outdir):  # platform and silo copies share the same assets
        bundles.setdefault(bundle.handler.rsplit(".", 1)[0], bundle)
    missing = [f.label for f in functions if f.module not in bundles]
    if missing:
        raise RuntimeError(f"functions of the table without a synthesized bundle: {missing}")
    mirrors = {}
    for function in functions:
        bundle = bundles[function.module]
        if (bundle.code, bundle.layers) not in mirrors:
            mirrors[(bundle.code, bundle.layers)] = mirror(bundle.code, bundle.layers, label="functions")
    ours = {f.label: mirrors[(bundles[f.module].code, bundles[f.module].layers)] for f in functions}

    print("  cold_start: the monolith ...", file=sys.stderr, flush=True)
    monolith = ensure_monolith(stack.db_urls.admin_url)
    monolith_mirror = mirror(monolith.app_dir, (monolith.layer_dir,), label="monolith", content_key=monolith.digest)
    from local.events import http_api_event

    monolith_function = Function(
        label=f"monolith (seed design, {monolith.routes} routes, {monolith.tables} tables)",
        module="monolith.main",
        public=True,
        needs=None,
        event=http_api_event(
            method="GET",
            raw_path=f"/c/{monolith.card_id}",
            header_pairs=[("user-agent", "Mozilla/5.0 (iPhone) bench")],
            route_key="$default",
        ),
        invoked=FIRST_CALL,
        memory_mb=1024,
        timeout_s=30,
    )

    # In AWS every function that reads a secret has the Parameters and Secrets extension beside it
    # (cdk_app/function.py); its stand-in, on moto, answers these fresh processes the same way.
    from local.secrets_extension import SecretsExtension

    extension = SecretsExtension(stack.boto("secretsmanager"), token=f"bench-{uuid.uuid4()}")
    env = {**base_env(), **stack.env, **extension.env()}
    monolith_env = {**base_env(), **monolith.env, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    everything = [(f, ours[f.label], env) for f in functions] + [(monolith_function, monolith_mirror, monolith_env)]
    runtime_dir = WORK_DIR / "snapstart-runtime"
    runtime_dir.mkdir(parents=True, exist_ok=True)
    (runtime_dir / "snapshot_restore_py.py").write_text(SNAPSHOT_RESTORE_PY)
    jobs, owners = [], []
    for run in range(RUNS):  # round-robin: no function runs twice in a row; kinds interleaved
        for kind in KINDS:
            if kind == "source" and run >= SOURCE_RUNS:
                continue
            for function, bundle_mirror, job_env in everything:
                jobs.append(function_job(function, bundle_mirror.paths(kind), job_env, stage, region))
                owners.append((function.label, kind))
        for function, bundle_mirror, job_env in everything[:-1]:  # ours; SnapStart is on for the public routes
            if function.public:
                job = function_job(function, [*bundle_mirror.paths("bytecode"), str(runtime_dir)], job_env, stage, region)
                jobs.append({**job, "snapstart": True})
                owners.append((function.label, SNAPSTART))
    floor_jobs = []
    for _ in range(RUNS):
        for _, statement in FLOOR:
            job = {"statement": statement, "path": next(iter(mirrors.values())).paths("bytecode"), "env": env}
            floor_jobs.append(job)
    folders = sorted({folder for m in [*mirrors.values(), monolith_mirror] for kind in KINDS for folder in m.folders(kind)})
    folders.append(str(runtime_dir))
    read_only = can_mount_read_only()
    before = tree_fingerprint(folders)
    print(f"  cold_start: {len(jobs) + len(floor_jobs)} fresh processes, {PARALLEL} at a time ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        results, mounted_read_only = run_plan(jobs + floor_jobs, folders, read_only)
    finally:
        extension.stop()
    elapsed = time.monotonic() - started
    after = tree_fingerprint(folders)

    measured = {f.label: Measured(f) for f, _, _ in everything}
    for (label, kind), result in zip(owners, results[: len(jobs)], strict=True):
        measured[label].runs[kind].append(result)
    mono = measured[monolith_function.label]
    monolith_ms = mono.cold("bytecode")

    out: list[Result] = []
    ours_measured = [measured[f.label] for f in functions]
    for item in ours_measured:
        out.append(summarize(item, monolith_ms))
    mono_good = mono.good("bytecode")
    out.append(
        Result(
            "cold_start monolith",
            monolith_function.label,
            round(monolith_ms, 1),
            "ms",
            "",
            (
                f"import {mono.median('bytecode', 'import_ms'):.0f} + first call {mono.median('bytecode', 'invoke_ms'):.0f} "
                f"({FIRST_CALL} -> {answer_of(mono_good[-1]) if mono_good else 'FAILED: ' + str(mono.runs['bytecode'][:1])}); "
                f"CPU {mono.median('bytecode', 'cpu_import_ms'):.0f} + {mono.median('bytecode', 'cpu_invoke_ms'):.0f}; "
                f"fresh process {mono.median('bytecode', 'total_ms'):.0f}; no bytecode {mono.cold('source'):.0f}; "
                f"{monolith_mirror.modules} modules; heaviest (ms): "
                + ", ".join(f"{n} {ms:.0f}" for n, ms in heaviest(mono_good).most_common(TOP_HEAVY))
            ),
        )
    )
    colds = [(item.cold("bytecode"), item.function.label) for item in ours_measured if item.good("bytecode")]
    worst_ms, worst_label = max(colds)
    missed = [item.function.label for item in ours_measured if not item.cold("bytecode") <= item.function.target_ms]
    source_ratios = [item.cold("source") / item.cold("bytecode") for item in ours_measured if item.good("bytecode")]
    out += [
        Result(
            "cold_start",
            "worst function / monolith",
            round(worst_ms / monolith_ms, 3),
            "x",
            f"<= {MONOLITH_RATIO_TARGET}",
            f"{worst_label}: {worst_ms:.0f} ms against the monolith's {monolith_ms:.0f} ms (import + first call, bytecode)",
        ),
        Result(
            "cold_start",
            "functions within target",
            len(ours_measured) - len(missed),
            f"of {len(ours_measured)}",
            "all",
            f"missed: {', '.join(missed) if missed else 'none'}",
        ),
        Result(
            "cold_start",
            "median of all functions: bytecode / no bytecode",
            round(statistics.median(item.cold("bytecode") for item in ours_measured), 1),
            "ms",
            "",
            f"no bytecode {statistics.median(item.cold('source') for item in ours_measured):.0f} ms; "
            f"bytecode saves x{statistics.median(source_ratios):.1f} (median ratio); monolith without bytecode "
            f"{mono.cold('source'):.0f} ms",
        ),
    ]
    public = [item for item in ours_measured if item.good(SNAPSTART)]
    if public:
        restored = statistics.median(item.median(SNAPSTART, "invoke_ms") for item in public)
        cold = statistics.median(item.cold("bytecode") for item in public)
        moved = statistics.median(item.median(SNAPSTART, "import_ms") + item.median(SNAPSTART, "warmup_ms") for item in public)
        out.append(
            Result(
                "cold_start",
                "SnapStart, public functions: first call after restore (median)",
                round(restored, 1),
                "ms",
                "",
                f"against {cold:.0f} ms import + first call with bytecode alone ({len(public)} functions); import and "
                f"warm-ups ({moved:.0f} ms) run before the snapshot; Lambda's restore itself is not measurable here",
            )
        )
    floor_results = results[len(jobs) :]
    for index, (label, _) in enumerate(FLOOR):
        samples = [r["total_ms"] for r in floor_results[index :: len(FLOOR)] if "error" not in r]
        value = round(statistics.median(samples), 1) if samples else float("nan")
        out.append(Result("cold_start floor", label, value, "ms", "", "fresh process on the bundle: spawn to done"))
    bundle_mirror = next(iter(mirrors.values()))
    sizes = bundle_mirror.size_bytes
    out += [
        Result(
            "cold_start bundle",
            "synthesized code + layers",
            round((sizes["code"] + sizes["layers"]) / 1e6, 1),
            "MB",
            "",
            f"of which cpython-312 bytecode {_mb(sizes['pyc_of_runtime'])} "
            f"(+{sizes['pyc_of_runtime'] / (sizes['code'] + sizes['layers'] - sizes['pyc_of_runtime']) * 100:.0f}% over source); "
            f"{bundle_mirror.modules} modules; deployable synth took {synth_s:.0f} s; "
            + "; ".join(bundle_mirror.rebuilt_layers),
        ),
        Result(
            "cold_start bundle",
            "no bytecode cache written",
            1.0 if before == after else 0.0,
            "bool",
            "1",
            (
                "bundle folders bind-mounted read-only in a private mount namespace (a write probe failed)"
                if mounted_read_only
                else "no read-only mount here (unshare unavailable): children ran with -B"
            )
            + f"; files before/after {before[0]}/{after[0]}; {len(jobs) + len(floor_jobs)} processes in {elapsed:.0f} s, "
            f"{PARALLEL} at a time, {RUNS} runs each ({SOURCE_RUNS} without bytecode), medians; {load_note()}",
        ),
    ]
    return out


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
