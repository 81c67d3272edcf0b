"""Synthesizes the CDK app once per session (jsii is slow) for the infrastructure tests.

`synthesized`: in-process, the real app (`stacks.deployment.build_deployment`) on a deployment with two
pool tenants and one silo tenant; the dependencies layer is a stub (tests never run pip) and the console a
marked placeholder when web/dist was not built. `cli_synthesized`: the pinned CDK CLI on a clean copy of
the repository with the default config (config/dev.json), as a platform engineer runs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
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


REPO_ROOT = Path(__file__).resolve().parents[2]


def clean_clone(target: Path) -> Path:
    """The repository's files as a fresh clone has them (tracked, plus new files not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@dataclass
class CliSynthesized:
    """`cdk synth` by the pinned CLI on a clean copy of the repository with the default config (config/dev.json)."""

    project: Path  # the clean copy
    outdir: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def templates(self) -> dict[str, dict]:
        from stacks.synth import assembly_stacks

        return {stack.name: json.loads(stack.template.read_text()) for stack in assembly_stacks(self.outdir)}


@pytest.fixture(scope="session")
def cli_synthesized(tmp_path_factory) -> CliSynthesized:
    """Run once per session (the app's synth takes about a minute on 2 cores). No AWS credentials, no AWS
    configuration (an empty HOME), a minimal PATH; tests-only context keeps pip and the console build out."""
    import time

    from stacks.synth import cli_synth

    project = clean_clone(tmp_path_factory.mktemp("clone"))
    outdir = tmp_path_factory.mktemp("cli.out")
    environment = {"HOME": str(tmp_path_factory.mktemp("home")), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    started = time.perf_counter()
    result = cli_synth(project, outdir, context={"dependencies_layer": "stub", "console": "placeholder"}, env=environment)
    return CliSynthesized(project, outdir, result.returncode, result.stdout, result.stderr, time.perf_counter() - started)
