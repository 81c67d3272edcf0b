"""Cold start: importing any function's handler module loads none of the heavy libraries.

Each is imported on first use by the code path that needs it (jinja2 to render, boto3 to call
AWS, cryptography to sign, ...), so a function pays for what it uses and nothing else. Every
handler of every table is checked, in a fresh interpreter each, as Lambda's init phase runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import routes

ROOT = Path(__file__).resolve().parents[2]
# Powertools imports the botocore package itself; a botocore *session* means boto3 was set up.
HEAVY = (
    "boto3", "botocore.session", "jinja2", "qrcode", "PIL", "ua_parser", "vobject",
    "cryptography", "httpx", "h2", "google.auth", "requests",
    "email_validator",  # compiles its regexes at import; loaded when the first address is validated
)
# Powertools re-exports every resolver and every event class from its packages; handlers/__init__ makes
# those packages lazy (outreachpass.lazy_exports), so none of these is loaded by an HTTP, SQS, SNS or
# scheduled function.
UNUSED_POWERTOOLS = (
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent_function",
    "aws_lambda_powertools.event_handler.events_appsync",
    "aws_lambda_powertools.event_handler.lambda_function_url",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    "aws_lambda_powertools.utilities.data_classes.code_pipeline_job_event",
    "aws_lambda_powertools.utilities.data_classes.kafka_event",
)
HANDLERS = sorted(
    {route.handler for route in routes.ROUTES}
    | {worker.handler for worker in routes.WORKERS}
    | {job.handler for job in routes.SCHEDULES}
    | {consumer.handler for consumer in routes.TOPIC_CONSUMERS}
)


def heavy_modules_after_import(module: str) -> list[str]:
    watched = HEAVY + UNUSED_POWERTOOLS
    code = f"import json, sys\nimport {module}\nprint(json.dumps(sorted(n for n in {watched!r} if n in sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT}:{ROOT / 'lambdas'}:{ROOT / 'layers/core/python'}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_no_handler_imports_a_heavy_library_or_an_unused_powertools_resolver_at_init():
    with ThreadPoolExecutor(max_workers=2) as pool:
        loaded = dict(zip(HANDLERS, pool.map(heavy_modules_after_import, HANDLERS), strict=True))
    assert len(loaded) > 50  # the table is read, not empty
    assert {module: heavy for module, heavy in loaded.items() if heavy} == {}
