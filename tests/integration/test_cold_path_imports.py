"""Cold path: a public function that needs no AWS resource imports no AWS SDK, at init or on its first call.

Each handler runs in a fresh interpreter as Lambda's init phase and first invocation run it: the local
stack's environment (the real database, the origin-verify secret on moto), the Parameters and Secrets
extension beside it (its stand-in, local/secrets_extension.py, as every function that reads a secret
has it in AWS), an event as API Gateway sends it through CloudFront. The function answers for real
(the card page renders a seeded card and records the view), reads its secrets through the extension,
and leaves boto3 and a botocore session unloaded: its cold start pays for neither.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import routes
from local.events import http_api_event
from local.secrets_extension import SecretsExtension
from tests.integration.public_cards import PHONE_UA, make_card

ROOT = Path(__file__).resolve().parents[2]
AWS_SDK = ("boto3", "botocore.session", "aws_lambda_powertools.utilities.parameters")
CHILD = """
import json, sys
job = json.loads(sys.stdin.read())
import importlib
module = importlib.import_module(job["module"])

class Context:
    function_name = "cold-path"; function_version = "$LATEST"; memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:cold-path"; aws_request_id = "r-1"
    def get_remaining_time_in_millis(self): return 10000

result = module.handler(job["event"], Context())
headers = {key.lower(): value for key, value in (result.get("headers") or {}).items()}
print(json.dumps({"status": result["statusCode"], "content_type": headers.get("content-type"),
                  "loaded": sorted(name for name in job["watched"] if name in sys.modules)}))
"""


@pytest.fixture
def extension(local_stack):
    running = SecretsExtension(local_stack.boto("secretsmanager"), token=f"session-{uuid.uuid4()}")
    yield running
    running.stop()


def first_call(local_stack, extension, method: str, path: str, raw_path: str, params: dict[str, str]) -> dict:
    route = routes.find_route(method, path)
    event = http_api_event(
        method=method,
        raw_path=raw_path,
        route_key=route.route_key,
        path_parameters=params,
        header_pairs=[("user-agent", PHONE_UA), ("x-origin-verify", local_stack.resources.origin_verify)],
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{ROOT}:{ROOT / 'lambdas'}:{ROOT / 'layers/core/python'}",
        **local_stack.env,
        **extension.env(),
        "AWS_LAMBDA_FUNCTION_NAME": "cold-path",  # Powertools: "in Lambda"
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    job = {"module": route.handler, "event": event, "watched": AWS_SDK}
    done = subprocess.run(
        [sys.executable, "-c", CHILD], input=json.dumps(job), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_public_functions_answer_their_first_call_without_loading_an_aws_sdk(local_stack, extension, database, tenant_factory):
    assert routes.secret_env(routes.ORIGIN_VERIFY_SECRET) in local_stack.env  # the origin check really runs
    card_id = str(make_card(database, tenant_factory())["card_id"])
    calls = {
        "GET /health": ("GET", "/health", "/health", {}),
        "GET /c/{card_id}": ("GET", "/c/{card_id}", f"/c/{card_id}", {"card_id": card_id}),
        "GET /c/{card_id}/vcard": ("GET", "/c/{card_id}/vcard", f"/c/{card_id}/vcard", {"card_id": card_id}),
        "GET /api/track/email/open/{pixel}": (
            "GET", "/api/track/email/open/{pixel}", "/api/track/email/open/cold-path.gif", {"pixel": "cold-path.gif"}
        ),
    }
    answers = {label: first_call(local_stack, extension, *call) for label, call in calls.items()}
    assert {label: answer["status"] for label, answer in answers.items()} == dict.fromkeys(calls, 200)
    assert answers["GET /c/{card_id}"]["content_type"].startswith("text/html")
    assert answers["GET /c/{card_id}/vcard"]["content_type"].startswith("text/vcard")
    assert answers["GET /api/track/email/open/{pixel}"]["content_type"] == "image/gif"
    assert {label: answer["loaded"] for label, answer in answers.items()} == {label: [] for label in calls}
    assert extension.requests >= len(calls)  # each fresh process read its origin-verify secret through it
