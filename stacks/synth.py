"""`make synth`: synthesize every stack into cdk.out/, with cdk-nag (AwsSolutions) and cfn-lint.

    python -m stacks.synth [--config config/prod.json] [--out cdk.out]

Fails (exit 1) on an invalid config, any unacknowledged cdk-nag finding or any cfn-lint error;
prints the stacks it wrote. The dependencies layer is really built (pip, cached under .build/).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk

from cdk_app.config import REPO_ROOT, ConfigError, config_from_context
from cdk_app.console_site import ConsoleNotBuilt
from cdk_app.nag import enable_checks
from cdk_app.table import TableError
from stacks.deployment import build_deployment

# W3005: CDK adds DependsOn on a function's role that a GetAtt already implies (harmless, generated).
# W3010: availability zones are pinned in the deployment config on purpose, to keep synth offline.
CFN_LINT_IGNORED = ("W3005", "W3010")


def cdk_json_context() -> dict[str, object]:
    """The context `cdk synth` would use: cdk.json's feature flags and default config."""
    return json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]


def synthesize(config_path: str | None, outdir: Path) -> cdk.cx_api.CloudAssembly:
    context = cdk_json_context()
    if config_path:
        context["config"] = config_path
    shutil.rmtree(outdir, ignore_errors=True)
    app = cdk.App(outdir=str(outdir), context=context)
    config = config_from_context(app.node.try_get_context("config"), app.node.try_get_context("deployment"))
    build_deployment(app, config)
    enable_checks(app)
    return app.synth()  # raises with the cdk-nag report if any finding is not acknowledged


def cfn_lint(templates: list[str]) -> int:
    """cfn-lint on the templates; returns how many errors it found (warnings are printed, not counted)."""
    command = [
        str(Path(sys.executable).parent / "cfn-lint"),
        "--format",
        "parseable",
        "--ignore-checks",
        *CFN_LINT_IGNORED,
        "--",
        *templates,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    findings = [line for line in result.stdout.splitlines() if line.strip()]
    for line in findings:
        print(f"  cfn-lint {line}")
    if result.returncode and not findings:  # a crash, not findings
        print(result.stderr, file=sys.stderr)
        return 1
    return sum(1 for line in findings if line.split(":")[5:6] and line.split(":")[5].startswith("E"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="deployment config file (default: the 'config' context in cdk.json)")
    parser.add_argument("--out", default=str(REPO_ROOT / "cdk.out"), help="cloud assembly directory")
    args = parser.parse_args(argv)
    try:
        assembly = synthesize(args.config, Path(args.out))
    except (ConfigError, TableError, ConsoleNotBuilt) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except RuntimeError as error:  # cdk-nag or CloudFormation validation findings, reported above
        print(f"synth failed: {error}", file=sys.stderr)
        return 1
    stacks = sorted(assembly.stacks, key=lambda stack: stack.stack_name)
    print(f"cdk-nag AwsSolutions: 0 unacknowledged findings in {len(stacks)} stacks")
    errors = cfn_lint([stack.template_full_path for stack in stacks])
    print(f"cfn-lint: {errors} errors")
    print(f"\n{len(stacks)} stacks in {args.out}:")
    for stack in stacks:
        resources = len(json.loads(Path(stack.template_full_path).read_text())["Resources"])
        print(f"  {stack.stack_name:<42} {stack.environment.region:<14} {resources:>4} resources")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
