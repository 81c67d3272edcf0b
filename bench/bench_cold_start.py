"""Cold start of every function in the route table: a fresh interpreter imports the handler
module and runs its first invocation, as a new Lambda container does.

For every Route, Worker, Schedule and TopicConsumer of lambdas/routes.py (derived from the
table, so new functions are measured without touching this file), RUNS fresh
`python -X importtime` processes each:
- get the local env contract of a running local stack (embedded PostgreSQL with the demo
  data, moto), PYTHONPATH=lambdas:layers/core/python and cwd lambdas/, like /var/task;
- import the handler module (the "init phase"), then call `handler(event, context)` once
  with a realistic event: routes get a payload 2.0 event with the demo tenant's admin
  claims (jwt routes), the seeded demo ids in their path parameters (public GETs run for
  real against a seeded card), the OpenAPI document's required query parameters, and `{}`
  as the JSON body of writes (a validation answer: import and first call are the point);
  workers get an SQS event with one `{}` record, schedules an EventBridge scheduled event,
  topic consumers an SNS event with a `{}` message.

Reported per function: the median total (process spawn to the end of the first call, on
the system-wide monotonic clock) against the target (300 ms, 200 ms for public routes,
which include the tracking routes), the median import time, what the first call answered,
and, where the target is missed, the heaviest packages imported (self time summed per
top-level package from -X importtime, import and first call together). boto3, jinja2 and
cryptography loaded by a function are named in every case; boto3 in a function whose Needs
name no AWS resource is flagged.

    python -m bench cold_start          (BENCH_COLD_RUNS=3, BENCH_COLD_PARALLEL=2)
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench import ROOT, Result, add_code_paths

TARGET_MS = 300.0
PUBLIC_TARGET_MS = 200.0
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "3"))
PARALLEL = int(os.environ.get("BENCH_COLD_PARALLEL", "2"))
WATCHED = ("boto3", "jinja2", "cryptography")
TOP_HEAVY = 4

# What runs in each fresh interpreter. The runtime's own bootstrap (json, time) is loaded
# before the clock starts on the import, as in Lambda's runtime interface client.
CHILD = r"""
import time
_spawned = time.monotonic()
import json, sys
job = json.loads(sys.stdin.read())


class Context:
    def __init__(self, spec):
        self.__dict__.update(spec)
        self._deadline = time.monotonic() + spec["timeout_s"]

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


sys.stderr.write("@@import-start\n"); sys.stderr.flush()
t0 = time.monotonic()
import importlib
module = importlib.import_module(job["module"])
t1 = time.monotonic()
sys.stderr.write("@@import-end\n"); sys.stderr.flush()
raised = None
try:
    result = module.handler(job["event"], Context(job["context"]))
except Exception as exc:  # an invocation error: Lambda reports it, the container stays warm
    result, raised = None, type(exc).__name__
t2 = time.monotonic()
sys.stderr.write("@@invoke-end\n"); sys.stderr.flush()
status = result.get("statusCode") if isinstance(result, dict) else None
failures = len(result.get("batchItemFailures") or []) if isinstance(result, dict) and "batchItemFailures" in result else None
sys.stdout.write("\n@@cold " + json.dumps({
    "started": _spawned, "import_start": t0, "import_end": t1, "invoke_end": t2,
    "status": status, "failures": failures, "raised": raised,
}) + "\n")
sys.stdout.flush()
"""


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
class Run:
    total_ms: float
    startup_ms: float
    import_ms: float
    invoke_ms: float
    status: int | None
    failures: int | None
    packages_ms: dict[str, float]  # self time per top-level package, import + first call
    error: str | None = None
    raised: str | None = None


@dataclass
class Measured:
    function: Function
    runs: list[Run] = field(default_factory=list)


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


def route_function(route: Any, ids: dict[str, str], document: dict[str, Any] | None, tenant_id: str) -> Function:
    from local.events import http_api_event

    # A DELETE gets ids that do not exist: the demo data must outlive the runs of the others.
    raw_path, params = _fill_path(route.path, {} if route.method == "DELETE" else ids)
    query = required_query(document, route.method, route.path)
    body = b"{}" if route.method in ("POST", "PUT", "PATCH") else b""
    claims = None
    if not route.is_public:
        role = "admin" if "admin" in route.roles else route.roles[0]
        claims = {
            "sub": str(uuid.uuid4()),
            "custom:tenant_id": tenant_id,
            "custom:role": role,
            "cognito:username": f"bench-{role}@example.test",
            "token_use": "id",
        }
    event = http_api_event(
        method=route.method,
        raw_path=raw_path,
        raw_query=query,
        header_pairs=[("content-type", "application/json")] if body else [("user-agent", "Mozilla/5.0 (iPhone) bench")],
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


def functions_of_the_table(stack: Any) -> list[Function]:
    import routes
    from bench.shared_stack import demo_ids

    ids = demo_ids(stack)
    try:
        from local.stack import openapi_document

        document: dict[str, Any] | None = openapi_document()
    except Exception as exc:  # a half-written handler elsewhere must not stop the benchmark
        print(f"  (no OpenAPI document, required query parameters left out: {exc!r})", file=sys.stderr)
        document = None
    region = stack.region
    found = [route_function(route, ids, document, ids["tenant_id"]) for route in routes.ROUTES]
    found += [worker_function(w, stack.resources, region) for w in getattr(routes, "WORKERS", ())]
    found += [schedule_function(s, region) for s in getattr(routes, "SCHEDULES", ())]
    found += [topic_function(t, region) for t in getattr(routes, "TOPIC_CONSUMERS", ())]
    return found


# --- -X importtime ------------------------------------------------------------------------

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
        if not inside:
            continue
        match = _IMPORT_LINE.match(line)
        if match:
            totals[match.group(4).split(".")[0]] += int(match.group(1)) / 1000
    return dict(totals)


# --- running ------------------------------------------------------------------------------


def child_env(stack: Any) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ") if key in os.environ}
    env.update(stack.env)
    env["PYTHONPATH"] = os.pathsep.join(str(ROOT / part) for part in ("lambdas", "layers/core/python"))
    env["PYTHONUNBUFFERED"] = "1"
    env["AWS_LAMBDA_FUNCTION_NAME"] = "outreachpass-bench"  # Powertools reads it as "in Lambda"
    return env


def run_once(function: Function, env: dict[str, str], stage: str, region: str) -> Run:
    from local.events import function_name

    name = function_name(stage, function.module)
    job = {
        "module": function.module,
        "event": function.event,
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
    spawned = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", CHILD],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT / "lambdas",
        timeout=120,
        check=False,
    )
    marker = next((line for line in reversed(process.stdout.splitlines()) if line.startswith("@@cold ")), None)
    if process.returncode != 0 or marker is None:
        tail = [line for line in process.stderr.splitlines() if not line.startswith("import time:")][-3:]
        return Run(0, 0, 0, 0, None, None, {}, error=" | ".join(tail) or f"exit {process.returncode}")
    timing = json.loads(marker[len("@@cold ") :])
    return Run(
        total_ms=(timing["invoke_end"] - spawned) * 1000,
        startup_ms=(timing["started"] - spawned) * 1000,
        import_ms=(timing["import_end"] - timing["import_start"]) * 1000,
        invoke_ms=(timing["invoke_end"] - timing["import_end"]) * 1000,
        status=timing["status"],
        failures=timing["failures"],
        packages_ms=packages_ms(process.stderr),
        raised=timing.get("raised"),
    )


def uses_aws(needs: Any) -> bool:
    return bool(needs.buckets or needs.send_queues or needs.secrets or needs.send_email or needs.cognito_admin)


def summarize(measured: Measured) -> list[Result]:
    function = measured.function
    good = [run for run in measured.runs if run.error is None]
    target = f"< {function.target_ms:.0f} ms"
    if not good:
        error = next((run.error for run in measured.runs if run.error), "no run finished")
        return [Result("cold_start", function.label, float("nan"), "ms", target, f"FAILED: {error}"[:160])]
    total = statistics.median(run.total_ms for run in good)
    imported = statistics.median(run.import_ms for run in good)
    first_call = statistics.median(run.invoke_ms for run in good)
    last = good[-1]
    if last.raised:
        answer = f"raised {last.raised}"
    elif last.status is not None:
        answer = str(last.status)
    else:
        answer = f"{last.failures} failed" if last.failures is not None else "ok"
    packages: Counter[str] = Counter()
    for run in good:
        packages.update({name: ms / len(good) for name, ms in run.packages_ms.items()})
    loaded = [name for name in WATCHED if packages.get(name)]
    flags = []
    if "boto3" in loaded and not uses_aws(function.needs):
        flags.append("boto3 loaded but Needs name no AWS resource")
    verdict = "ok" if total <= function.target_ms else "MISS"
    note = f"{verdict}; {function.invoked} -> {answer}; first call {first_call:.0f} ms"
    if flags:
        note += "; " + "; ".join(flags)
    import_note = f"loads {', '.join(loaded)}" if loaded else "no boto3/jinja2/cryptography"
    if verdict == "MISS" or flags:
        heavy = ", ".join(f"{name} {ms:.0f}" for name, ms in packages.most_common(TOP_HEAVY))
        import_note += f"; heaviest (ms): {heavy}"
    return [
        Result("cold_start", function.label, round(total, 1), "ms", target, note),
        Result("cold_start", f"{function.label} [import]", round(imported, 1), "ms", "", import_note),
    ]


def aws_db_secret_overhead(env: dict[str, str]) -> Result:
    """In AWS a database function reads its credentials from Secrets Manager on the first
    connect (outreachpass.db.connection.conninfo_from), which imports boto3 through
    Powertools parameters; locally DATABASE_URL skips that. Measured here: that import and
    the client creation in a fresh interpreter."""
    code = (
        "import time; t=time.monotonic()\n"
        "from aws_lambda_powertools.utilities.parameters import SecretsProvider\n"
        "SecretsProvider()\n"
        "print(round((time.monotonic()-t)*1000, 1))\n"
    )
    samples = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False)
        if out.returncode == 0:
            samples.append(float(out.stdout.strip().splitlines()[-1]))
    value = round(statistics.median(samples), 1) if samples else float("nan")
    return Result(
        "cold_start",
        "AWS only: DB secret client (boto3 + Powertools parameters)",
        value,
        "ms",
        "",
        "added to every database function's first call in AWS (DB_SECRET_ARN); not in the local figures above",
    )


FLOOR = (
    ("interpreter start (python -c pass)", ""),
    ("import pydantic", "import pydantic"),
    ("import psycopg", "import psycopg"),
    ("import aws_lambda_powertools.event_handler", "import aws_lambda_powertools.event_handler"),
    ("import outreachpass.api (all three + the wrapper)", "import outreachpass.api"),
)


def floor(env: dict[str, str]) -> list[Result]:
    """What every HTTP function pays before its own code: a fresh interpreter, and each of the
    packages the handler wrapper needs, alone (medians of fresh processes, as above)."""
    results = []
    for label, statement in FLOOR:
        samples = []
        for _ in range(RUNS):
            spawned = time.monotonic()
            code = f"{statement}\nimport time\nprint(time.monotonic())"
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT / "lambdas", timeout=60, check=False)
            if out.returncode == 0:
                samples.append((float(out.stdout.strip().splitlines()[-1]) - spawned) * 1000)
        value = round(statistics.median(samples), 1) if samples else float("nan")
        results.append(Result("cold_start floor", label, value, "ms", "", "fresh process: spawn to done"))
    return results


def load_note() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return ""
    return f"; load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def run() -> list[Result]:
    add_code_paths()
    from bench.shared_stack import shared_stack

    stack = shared_stack()
    functions = functions_of_the_table(stack)
    env = child_env(stack)
    stage, region = stack.config.stage, stack.region
    measured = {f.label: Measured(f) for f in functions}
    jobs = [f for _ in range(RUNS) for f in functions]  # round-robin: no function runs twice in a row
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for function, result in zip(jobs, pool.map(lambda f: run_once(f, env, stage, region), jobs), strict=True):
            measured[function.label].runs.append(result)
    results: list[Result] = []
    for item in measured.values():
        results.extend(summarize(item))
    totals = [r for r in results if not r.metric.endswith("[import]") and r.unit == "ms" and r.value == r.value]
    missed = [r.metric for r in totals if r.note.startswith("MISS")]
    results.append(
        Result(
            "cold_start",
            "functions within target",
            len(totals) - len(missed),
            f"of {len(functions)}",
            "all",
            f"{RUNS} runs each, {PARALLEL} at a time, median; missed: {len(missed)}{load_note()}",
        )
    )
    results.extend(floor(env))
    results.append(aws_db_secret_overhead(env))
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
