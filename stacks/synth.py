"""`make synth`: what a platform engineer's `cdk synth` does, then cfn-lint on the templates.

    python -m stacks.synth [--config config/prod.json] [--out cdk.out]

It runs the pinned CDK CLI (tools/cdk, installed by `npm ci`) on app.py, as `cdk synth` and `cdk deploy`
do: no AWS credentials and no network to AWS are needed (the availability zones come from the config).
cdk-nag (AwsSolutions) runs inside the app and fails the synth on any unacknowledged finding. Then
cfn-lint; prints the stacks it wrote with their resource counts. Fails (exit 1) on an invalid config, a
finding, a cfn-lint error, or a console that was not built. The dependencies layer is really built (pip,
cached under .build/).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cdk_app.config import REPO_ROOT

# W3005: CDK adds DependsOn on a function's role that a GetAtt already implies (harmless, generated).
# W3010: availability zones are pinned in the deployment config on purpose, to keep synth offline.
CFN_LINT_IGNORED = ("W3005", "W3010")
CDK_DIR = REPO_ROOT / "tools" / "cdk"
CDK_CLI = CDK_DIR / "node_modules" / ".bin" / "cdk"


def cdk_json_context() -> dict[str, object]:
    """The context `cdk synth` would use: cdk.json's feature flags and default config."""
    return json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]


def cli_version() -> str:
    return json.loads((CDK_DIR / "node_modules" / "aws-cdk" / "package.json").read_text())["version"]


def ensure_cdk_cli() -> Path:
    """The pinned CLI, installed from tools/cdk/package-lock.json when missing (what `make` does)."""
    if not CDK_CLI.exists():
        subprocess.run(  # noqa: S603 (fixed argv)
            ["npm", "ci", "--prefix", str(CDK_DIR), "--no-audit", "--no-fund", "--loglevel=error"],  # noqa: S607
            check=True,
        )
    return CDK_CLI


@dataclass(frozen=True)
class SynthesizedStack:
    name: str
    region: str
    template: Path

    @property
    def resource_count(self) -> int:
        return len(json.loads(self.template.read_text())["Resources"])


def cli_synth(
    project: Path, outdir: Path, *, context: dict[str, str] | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`cdk synth` of the app in `project` into `outdir`, with this virtualenv's python3 first on PATH
    (cdk.json runs `python3 app.py`)."""
    arguments = [str(ensure_cdk_cli()), "synth", "--quiet", "--output", str(outdir)]
    for key, value in (context or {}).items():
        arguments += ["--context", f"{key}={value}"]
    environment = dict(os.environ if env is None else env)
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "/usr/bin:/bin")])
    environment.setdefault("CDK_DISABLE_VERSION_CHECK", "1")  # no npm look-up for a newer CLI
    return subprocess.run(arguments, cwd=project, env=environment, capture_output=True, text=True, check=False)  # noqa: S603


def assembly_stacks(outdir: Path) -> list[SynthesizedStack]:
    """The CloudFormation stacks of a cloud assembly, from its manifest."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = []
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        properties = artifact["properties"]
        region = artifact["environment"].rsplit("/", 1)[1]
        name = properties.get("stackName", artifact_id)  # the manifest leaves it out when it is the id
        stacks.append(SynthesizedStack(name, region, outdir / properties["templateFile"]))
    return sorted(stacks, key=lambda stack: stack.name)


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
    outdir = Path(args.out).resolve()
    shutil.rmtree(outdir, ignore_errors=True)
    result = cli_synth(REPO_ROOT, outdir, context={"config": args.config} if args.config else None)
    if result.returncode != 0:
        # The app's own error (config, route table, console) or cdk-nag's report, as the CLI printed it.
        print(result.stderr.strip() or result.stdout.strip(), file=sys.stderr)
        print("synth failed", file=sys.stderr)
        return 1
    stacks = assembly_stacks(outdir)
    print(f"cdk synth (aws-cdk {cli_version()}, tools/cdk): {len(stacks)} stacks")
    print(f"cdk-nag AwsSolutions: 0 unacknowledged findings in {len(stacks)} stacks")
    errors = cfn_lint([str(stack.template) for stack in stacks])
    print(f"cfn-lint: {errors} errors")
    print(f"\n{len(stacks)} stacks in {outdir}:")
    for stack in stacks:
        print(f"  {stack.name:<42} {stack.region:<14} {stack.resource_count:>4} resources")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
