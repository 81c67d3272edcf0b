"""Lambda code and layers, bundled on this machine without Docker.

- function code: the `lambdas/` folder as is (handler "<module>.handler");
- core layer: `layers/core/python` (the `outreachpass` package) at /opt/python;
- dependencies layer: `requirements.txt` installed by pip for the Lambda platform
  (Python 3.12, arm64 manylinux wheels only), cached under `.build/` by the hash of
  requirements.txt so repeated synths do not reinstall;
- migrations layer: `migrations/*.sql` at /opt/migrations, only on the migrate function.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

from cdk_app.config import REPO_ROOT

LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_12
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64
PYTHON_VERSION = "3.12"
# The Python 3.12 runtime is Amazon Linux 2023 (glibc 2.34): any manylinux wheel up to 2_34 runs
# there; several pinned packages no longer publish manylinux2014 wheels.
PIP_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_34_aarch64")

BUILD_DIR = REPO_ROOT / ".build"
LAMBDAS_DIR = REPO_ROOT / "lambdas"
CORE_LAYER_DIR = REPO_ROOT / "layers" / "core"
MIGRATIONS_DIR = REPO_ROOT / "migrations"
REQUIREMENTS = REPO_ROOT / "requirements.txt"
MIGRATIONS_MOUNT = "/opt/migrations"  # where the migrations layer puts the SQL files

CODE_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache"]
# Bundling always runs locally; the image is required by the API but never pulled.
_UNUSED_IMAGE = cdk.DockerImage.from_registry("public.ecr.aws/sam/build-python3.12")


class BundlingError(RuntimeError):
    pass


def files_digest(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def migrations_digest() -> str:
    """Changes whenever a migration file is added or edited: the custom resource then re-runs."""
    return files_digest(list(MIGRATIONS_DIR.glob("*.sql")), MIGRATIONS_DIR)


def requirements_digest() -> str:
    return files_digest([REQUIREMENTS], REPO_ROOT)


@jsii.implements(cdk.ILocalBundling)
class _LocalBuild:
    """Runs a Python callable that fills the asset output directory."""

    def __init__(self, build: Callable[[Path], None]) -> None:
        self._build = build

    def try_bundle(self, output_dir: str, options: cdk.BundlingOptions) -> bool:
        self._build(Path(output_dir))
        return True


def _locally_built_asset(source: Path, asset_hash: str, build: Callable[[Path], None]) -> lambda_.Code:
    return lambda_.Code.from_asset(
        str(source),
        asset_hash=asset_hash,
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        bundling=cdk.BundlingOptions(image=_UNUSED_IMAGE, local=_LocalBuild(build)),
    )


def pip_install_for_lambda(target: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "-r",
        str(REQUIREMENTS),
        *[arg for platform in PIP_PLATFORMS for arg in ("--platform", platform)],
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--target",
        str(target),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    if result.returncode != 0:
        raise BundlingError(f"pip could not build the dependencies layer:\n{result.stderr[-4000:]}")


def _cached_dependencies(digest: str) -> Path:
    """.build/dependencies-<digest>/python, built once per requirements.txt content."""
    cached = BUILD_DIR / f"dependencies-{digest[:16]}"
    if (cached / ".complete").exists():
        return cached
    staging = BUILD_DIR / f".dependencies-{digest[:16]}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    pip_install_for_lambda(staging / "python")
    for bytecode in (staging / "python").rglob("__pycache__"):
        shutil.rmtree(bytecode, ignore_errors=True)
    (staging / ".complete").write_text(digest)
    shutil.rmtree(cached, ignore_errors=True)
    staging.rename(cached)
    return cached


def dependencies_layer_code(*, stub: bool = False) -> lambda_.Code:
    """The third-party packages layer. `stub` (tests only) skips pip and ships an empty layer."""
    digest = requirements_digest()

    def build(output: Path) -> None:
        if stub:
            (output / "python").mkdir(parents=True, exist_ok=True)
            (output / "python" / "STUB_DEPENDENCIES_LAYER").write_text("built with dependencies_layer=stub\n")
            return
        shutil.copytree(_cached_dependencies(digest) / "python", output / "python", dirs_exist_ok=True)

    return _locally_built_asset(REQUIREMENTS.parent, ("stub-" if stub else "") + digest, build)


def migrations_layer_code() -> lambda_.Code:
    digest = migrations_digest()

    def build(output: Path) -> None:
        target = output / "migrations"
        target.mkdir(parents=True, exist_ok=True)
        for sql in sorted(MIGRATIONS_DIR.glob("*.sql")):
            shutil.copy2(sql, target / sql.name)

    return _locally_built_asset(MIGRATIONS_DIR, "migrations-" + digest, build)


def function_code() -> lambda_.Code:
    return lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=CODE_EXCLUDES)


def core_layer_code() -> lambda_.Code:
    return lambda_.Code.from_asset(str(CORE_LAYER_DIR), exclude=CODE_EXCLUDES)
