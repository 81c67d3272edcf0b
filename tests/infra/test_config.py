"""Deployment config and route table validation: mistakes fail synth with a message that says where."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import routes
from cdk_app.config import REPO_ROOT, ConfigError, load_config_file, parse_config
from cdk_app.table import RouteTable, TableError
from routes import Needs, Route, TopicConsumer, UploadTrigger, Worker
from tests.infra.conftest import TEST_CONFIG


def _config(**changes) -> dict:
    return {**TEST_CONFIG, **changes}


def test_the_shipped_configs_are_valid():
    for path in sorted((REPO_ROOT / "config").glob("*.json")):
        config = load_config_file(path)
        assert config.tenants, path.name


def test_test_config_has_two_pool_and_one_silo_tenant():
    config = parse_config(TEST_CONFIG, "test")
    assert [t.key for t in config.pool_tenants] == ["acme", "globex"]
    assert [t.key for t in config.silo_tenants] == ["initech"]
    assert config.is_production_like


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tenants": [{"key": "acme", "tier": "shared", "sender": "a@acme.example"}]}, "tenants.0.tier"),
        ({"log_retention_days": 10}, "log_retention_days"),
        ({"aurora": {"min_acu": 8, "max_acu": 2}}, "min_acu (8.0) is above max_acu (2.0)"),
        ({"aurora": {"min_acu": 0.3, "max_acu": 2}}, "steps of 0.5"),
        ({"account": "12345"}, "account"),
        ({"stage": "Prod"}, "stage"),
        ({"cors_origins": ["http://evil.example"]}, "cors_origins"),
        ({"unknown_setting": True}, "unknown_setting"),
        (
            {
                "tenants": [
                    {"key": "acme", "tier": "pool", "sender": "a@acme.example"},
                    {"key": "acme", "tier": "silo", "sender": "b@other.example"},
                ]
            },
            "duplicate tenant keys: acme",
        ),
        (
            {"tenants": [{"key": "acme", "tier": "pool", "sender": "x@outreachpass.example.com"}]},
            "sender domains must differ",
        ),
        ({"availability_zones": ["us-east-1a"]}, "not in region"),
        ({"tracking_requests_per_5_minutes_per_ip": 5}, "tracking_requests_per_5_minutes_per_ip"),  # WAF minimum 10
        ({"nat_gateways": 0, "interface_endpoints": False}, "without interface_endpoints the functions need a NAT"),
        ({"origin_verify_generation": 0}, "origin_verify_generation"),
        ({"secrets_extension_layer_arn": "AWS-Parameters-and-Secrets-Lambda-Extension"}, "secrets_extension_layer_arn"),
        (
            {"secrets_extension_layer_arn": "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:12"},
            "a layer of its own region only",
        ),
    ],
)
def test_invalid_configs_fail_with_the_field_and_reason(changes, message):
    with pytest.raises(ConfigError) as error:
        parse_config(_config(**changes), "bad.json")
    assert "invalid deployment config (bad.json)" in str(error.value)
    assert message in str(error.value)


def test_missing_config_file_is_reported():
    with pytest.raises(ConfigError, match="not found"):
        load_config_file("config/does-not-exist.json")


def test_cdk_app_exits_with_the_config_error(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_config(log_retention_days=10)))
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "CDK_CONTEXT_JSON": json.dumps({"config": str(bad)}),
            "CDK_OUTDIR": str(tmp_path / "out"),
        },
    )
    assert result.returncode != 0
    assert "log_retention_days" in result.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


def _table(**changes) -> RouteTable:
    return replace(RouteTable.from_module(), **changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"workers": (Worker("w", queue="nope", handler="handlers.workers.w"),)}, "consumes unknown queue 'nope'"),
        (
            {"workers": (Worker("w", queue="imports", handler="handlers.workers.w", needs=Needs(timeout_s=901)),)},
            "timeout_s 901",
        ),
        (
            {"workers": (Worker("w", queue="emails", handler="handlers.workers.w", needs=Needs(timeout_s=600)),)},
            "exceeds the visibility timeout of queue 'emails'",
        ),
        (
            {"workers": (Worker("w", queue="emails", handler="handlers.workers.w", max_concurrency=1),)},
            "max_concurrency 1 is outside 2..1000",
        ),
        ({"topic_consumers": (TopicConsumer("t", topic="other", handler="handlers.track.t"),)}, "unknown topic"),
        (
            {"routes": (*routes.ROUTES, Route("GET", "/x", "handlers.public.x", None, Needs(send_queues=("nope",))))},
            "sends to unknown queue 'nope'",
        ),
        (
            {"routes": (*routes.ROUTES, Route("GET", "/x", "handlers.public.x", None, Needs(secrets=("nope",))))},
            "reads unknown secret 'nope'",
        ),
        (
            {"routes": (*routes.ROUTES, Route("GET", "/x", "handlers.public.x", None, Needs(timeout_s=60)))},
            "above the API's 29 s",
        ),
        ({"routes": (*routes.ROUTES, routes.ROUTES[0])}, "listed twice"),
        ({"upload_triggers": (UploadTrigger("uploads", "x/", queue="nope"),)}, "sends to unknown queue 'nope'"),
        (
            {
                "upload_triggers": (
                    UploadTrigger("uploads", "imports/", queue="imports", suffix=".csv"),
                    UploadTrigger("uploads", "imports/big/", queue="images", suffix="upload.csv"),
                )
            },
            "overlap on bucket 'uploads'",
        ),
    ],
)
def test_route_table_mistakes_fail_synth_with_a_clear_message(changes, message):
    with pytest.raises(TableError) as error:
        _table(**changes).function_specs()
    assert message in str(error.value)


def test_upload_triggers_on_disjoint_keys_are_accepted():
    disjoint = (
        UploadTrigger("uploads", "imports/", queue="imports", suffix=".csv"),
        UploadTrigger("uploads", "imports/", queue="images", suffix=".png"),  # same prefix, other suffix
        UploadTrigger("uploads", "images/", queue="images"),
        UploadTrigger("archive", "imports/", queue="imports"),  # another bucket
    )
    _table(upload_triggers=disjoint).validate()


def test_routes_sharing_a_handler_still_get_one_function_each():
    shared = (
        Route("GET", "/c/{card_id}/qr.png", "handlers.public.card_qr", None),
        Route("GET", "/c/{card_id}/qr.svg", "handlers.public.card_qr", None),
    )
    specs = [spec for spec in _table(routes=shared).function_specs() if spec.handler == "handlers.public.card_qr"]
    assert len({spec.slug for spec in specs}) == 2
    assert all(spec.slug.startswith("public-card-qr-get-") for spec in specs)


@pytest.mark.parametrize(
    ("changes", "layer"),
    [
        ({}, "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4"),
        (
            {"secrets_extension_layer_arn": "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:18"},
            "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:18",
        ),
        ({"secrets_extension": False}, None),
    ],
)
def test_the_secrets_extension_layer_is_the_configured_one_or_the_regions_default(changes, layer):
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_

    from cdk_app.function import secrets_extension

    config = parse_config(_config(**changes), "test")
    app = cdk.App()
    stack = cdk.Stack(app, "Probe", env=cdk.Environment(account=config.account, region=config.region))
    lambda_.Function(
        stack,
        "Probe",
        runtime=lambda_.Runtime.PYTHON_3_12,
        architecture=lambda_.Architecture.ARM_64,
        handler="probe.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
        params_and_secrets=secrets_extension(config),
    )
    (function,) = [r for r in app.synth().get_stack_by_name("Probe").template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"].get("Layers") == ([layer] if layer else None)
    variables = (function["Properties"].get("Environment") or {}).get("Variables", {})
    assert variables.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT") == ("2773" if layer else None)
