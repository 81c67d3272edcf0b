"""outreachpass.lazy_exports: Powertools' re-exporting packages, loaded lazily, give the same objects.

Each check runs in a fresh interpreter (the facade is only installed before the package is first
imported): every name the real `__init__` defines resolves through the lazy package to the very
same object, submodules import as usual, and an unknown name is still an AttributeError.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from outreachpass import lazy_exports

ROOT = Path(__file__).resolve().parents[2]

CHECK = r"""
import importlib.util, json, sys
from outreachpass import lazy_exports

name = sys.argv[1]
lazy_exports.install()
lazy = sys.modules[name]
spec = importlib.util.find_spec(name)
namespace = {"__name__": name, "__package__": name, "__spec__": spec, "__path__": spec.submodule_search_locations}
exec(compile(spec.loader.get_source(name), spec.origin, "exec"), namespace)  # the real __init__, run aside
public = sorted(key for key in namespace if not key.startswith("__"))
different = [key for key in public if getattr(lazy, key) is not namespace[key]]
try:
    getattr(lazy, "NoSuchName")
    unknown = "resolved"
except AttributeError:
    unknown = "AttributeError"
print(json.dumps({
    "lazy": type(lazy).__name__ == "_LazyPackage",
    "public": len(public),
    "all_equal": sorted(namespace.get("__all__", [])) == sorted(lazy.__all__),
    "different": different,
    "unknown": unknown,
}))
"""


def run(code: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT / 'layers/core/python'}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package", lazy_exports.PACKAGES)
def test_the_lazy_package_gives_every_name_of_the_real_one(package):
    found = run(CHECK, package)
    assert found["lazy"] is True  # the package still only re-exports: the facade applies
    assert found["public"] > 10
    assert found["all_equal"] is True
    assert found["different"] == []
    assert found["unknown"] == "AttributeError"


def test_submodules_import_as_usual_and_only_what_is_used_is_loaded():
    code = r"""
import json, sys
from outreachpass import lazy_exports
lazy_exports.install()
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import SQSEvent
import aws_lambda_powertools.event_handler.content_types as content_types
print(json.dumps({
    "types": [APIGatewayHttpResolver.__module__, Response.__module__, Router.__module__, SQSEvent.__module__],
    "json": content_types.APPLICATION_JSON,
    "loaded": sorted(m for m in sys.modules if m.startswith("aws_lambda_powertools.event_handler.")
                     and m.split(".")[2] in ("appsync", "bedrock_agent_function", "vpc_lattice", "lambda_function_url",
                                              "events_appsync", "graphql_appsync", "http_resolver")),
    "kafka": "aws_lambda_powertools.utilities.data_classes.kafka_event" in sys.modules,
}))
"""
    found = run(code)
    assert found["types"] == [
        "aws_lambda_powertools.event_handler.api_gateway",
        "aws_lambda_powertools.event_handler.api_gateway",
        "aws_lambda_powertools.event_handler.api_gateway",
        "aws_lambda_powertools.utilities.data_classes.sqs_event",
    ]
    assert found["json"] == "application/json"
    assert found["loaded"] == []
    assert found["kafka"] is False


def test_a_name_spelled_like_its_submodule_stays_the_re_exported_object():
    code = r"""
import json, sys, types
from outreachpass import lazy_exports
lazy_exports.install()
import aws_lambda_powertools.utilities.data_classes.event_source  # records the submodule on the package
from aws_lambda_powertools.utilities.data_classes import event_source
print(json.dumps({"module": isinstance(event_source, types.ModuleType), "callable": callable(event_source)}))
"""
    assert run(code) == {"module": False, "callable": True}  # the decorator, as the real __init__ leaves it


def test_a_package_that_does_more_than_re_export_is_left_alone():
    source = '"""doc"""\nfrom pkg.a import A\nSIDE_EFFECT = A()\n'
    assert lazy_exports.exports_of("pkg", source) is None
    assert lazy_exports.exports_of("pkg", '"""doc"""\nfrom .a import A as B\n__all__ = ["B"]\n') == {"B": ("pkg.a", "A")}
    assert lazy_exports.exports_of("pkg", "from other.a import A\n") is None  # re-exports another package's name


def test_a_handler_answers_through_the_lazy_packages():
    """In a fresh interpreter, as in Lambda: the handler package installs the lazy packages, and a
    route still resolves, runs and renders its error envelope (the database is unreachable here)."""
    code = r"""
import json, sys
import handlers.public.health as health
from local.events import http_api_event

class Context:
    aws_request_id = "req-1"; function_name = "health"; memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:health"

response = health.handler(http_api_event(method="GET", raw_path="/health", route_key="GET /health"), Context())
print(json.dumps({
    "lazy": type(sys.modules["aws_lambda_powertools.event_handler"]).__name__,
    "status": response["statusCode"],
    "code": json.loads(response["body"])["error"]["code"],
    "appsync": "aws_lambda_powertools.event_handler.appsync" in sys.modules,
}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PYTHONPATH": f"{ROOT}:{ROOT / 'lambdas'}:{ROOT / 'layers/core/python'}",
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
            "STAGE": "test",
            "POWERTOOLS_LOG_LEVEL": "CRITICAL",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "lazy": "_LazyPackage",
        "status": 503,
        "code": "SERVICE_UNAVAILABLE",
        "appsync": False,
    }
