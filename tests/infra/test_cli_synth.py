"""The platform engineer's path: the real CDK CLI (npm aws-cdk, pinned by tools/cdk/package-lock.json) runs
`cdk synth` on a clean copy of the repository, with no AWS credentials and no AWS configuration, and
succeeds: nothing asks AWS for anything (the availability zones come from the deployment config).

The copy holds what a clone holds (git's tracked and unignored files): no .venv, no .build, no cdk.out, no
cdk.context.json, no built console. Tests-only context keeps pip (the dependencies layer) and the console
build out of it; everything else is what `cdk synth` does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdk_app.config import REPO_ROOT, load_config_file
from stacks.synth import assembly_stacks, cli_version

AWS_CALL_ERRORS = ("Need to perform AWS calls", "no credentials have been configured", "Unable to resolve AWS account")


@pytest.fixture(scope="module")
def cli_run(cli_synthesized):
    """The session's CLI synth (tests/infra/conftest.py): (clean copy, cloud assembly, result, seconds)."""
    return cli_synthesized.project, cli_synthesized.outdir, cli_synthesized, cli_synthesized.seconds


def test_the_pinned_cli_synthesizes_the_default_config_without_aws_credentials(cli_run):
    project, outdir, result, seconds = cli_run
    assert result.returncode == 0, result.stderr[-4000:]
    for message in AWS_CALL_ERRORS:
        assert message not in result.stderr + result.stdout
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert not manifest.get("missing"), manifest.get("missing")  # no context look-up was needed
    assert not (project / "cdk.context.json").exists()  # and none was recorded
    config = load_config_file(project / "config" / "dev.json")
    stacks = assembly_stacks(outdir)
    assert {stack.name for stack in stacks} >= {f"OutreachPass-{config.stage}-{part}" for part in ("Data", "Api", "Edge")}
    assert all(stack.template.is_file() and stack.resource_count > 0 for stack in stacks)
    print(f"cdk synth with aws-cdk {cli_version()}: {len(stacks)} stacks in {seconds:.1f} s")


def test_the_cli_is_the_pinned_one():
    package = json.loads((REPO_ROOT / "tools" / "cdk" / "package.json").read_text())
    lock = json.loads((REPO_ROOT / "tools" / "cdk" / "package-lock.json").read_text())
    pinned = package["dependencies"]["aws-cdk"]
    assert pinned[0].isdigit()  # an exact version, no range
    assert lock["packages"]["node_modules/aws-cdk"]["version"] == pinned == cli_version()


def _template(outdir: Path, suffix: str) -> dict:
    (stack,) = [stack for stack in assembly_stacks(outdir) if stack.name.endswith(suffix)]
    return json.loads(stack.template.read_text())


def test_the_default_config_is_the_cheap_single_tenant_dev_setting(cli_run):
    """config/dev.json: one pool tenant, no silo; the VPC's subnets in the config's zones; no RDS Proxy and
    no interface endpoints (the functions reach the writer and the AWS APIs directly, through the NAT)."""
    project, outdir, result, _ = cli_run
    assert result.returncode == 0
    config = load_config_file(project / "config" / "dev.json")
    assert [t.tier for t in config.tenants] == ["pool"]
    names = {stack.name for stack in assembly_stacks(outdir)}
    assert not [name for name in names if "-Tenant-" not in name and name.count("-") > 2]  # no silo copy
    data = _template(outdir, f"{config.stage}-Data")
    types = [r["Type"] for r in data["Resources"].values()]
    zones = {r["Properties"]["AvailabilityZone"] for r in data["Resources"].values() if r["Type"] == "AWS::EC2::Subnet"}
    assert zones == set(config.zones)
    assert "AWS::RDS::DBProxy" not in types
    assert [r["Properties"]["VpcEndpointType"] for r in data["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint"] == ["Gateway"]
    assert types.count("AWS::EC2::NatGateway") == config.nat_gateways == 1
    public = _template(outdir, f"{config.stage}-ApiPublic")
    (card_page,) = [
        f["Properties"] for f in public["Resources"].values()
        if f["Type"] == "AWS::Lambda::Function" and f["Properties"]["Handler"] == "handlers.public.card_page.handler"
    ]
    assert "Cluster" in json.dumps(card_page["Environment"]["Variables"]["DB_HOST"])  # the writer, not a proxy
    assert "SnapStart" not in card_page  # snapstart: off in dev
