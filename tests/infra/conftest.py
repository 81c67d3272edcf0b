"""Synthesizes the CDK app once per session (jsii is slow) for the infrastructure tests.

The deployment has two pool tenants and one silo tenant; the dependencies layer is a stub
(tests never run pip), everything else is the real app: `stacks.deployment.build_deployment`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

TEST_CONFIG = {
    "stage": "staging",
    "account": "123456789012",
    "region": "eu-west-1",
    "domain": {
        "name": "cards.outreachpass.example.com",
        "hosted_zone_id": "Z0123456789ABCDEFGHIJ",
        "hosted_zone_name": "outreachpass.example.com",
    },
    "sender": "cards@outreachpass.example.com",
    "alarm_email": "oncall@outreachpass.example.com",
    "log_retention_days": 90,
    "aurora": {"min_acu": 0.5, "max_acu": 8, "readers": 1},
    "cors_origins": ["https://admin.outreachpass.example.com"],
    "throttling": {"rate_limit": 300, "burst_limit": 600},
    "tenants": [
        {"key": "acme", "tier": "pool", "brand_domain": "cards.acme.example", "sender": "events@acme.example"},
        {"key": "globex", "tier": "pool", "sender": "hello@globex.example"},
        {"key": "initech", "tier": "silo", "brand_domain": "cards.initech.example", "sender": "cards@initech.example"},
    ],
}


@dataclass
class Synthesized:
    app: object  # aws_cdk.App
    deployment: object  # stacks.deployment.Deployment
    outdir: Path
    templates: dict[str, dict]  # stack name -> template JSON

    def template(self, stack_name: str) -> dict:
        return self.templates[stack_name]

    def assertions(self, stack_name: str):
        from aws_cdk.assertions import Template

        return Template.from_json(self.templates[stack_name])


def synthesize(outdir: Path, config: dict, table=None) -> Synthesized:
    import aws_cdk as cdk

    from cdk_app.config import parse_config
    from stacks.deployment import SynthOptions, build_deployment
    from stacks.synth import cdk_json_context

    app = cdk.App(outdir=str(outdir), context=cdk_json_context())
    options = SynthOptions(stub_dependencies=True, console_placeholder=True)
    deployment = build_deployment(app, parse_config(config, "test config"), table, options=options)
    assembly = app.synth()
    templates = {stack.stack_name: json.loads(Path(stack.template_full_path).read_text()) for stack in assembly.stacks}
    return Synthesized(app=app, deployment=deployment, outdir=outdir, templates=templates)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk.out"), TEST_CONFIG)
