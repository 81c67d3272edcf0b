"""Lambda code and layers, bundled on this machine, with bytecode for the runtime's Python.

- function code: the `lambdas/` folder (handler "<module>.handler") at /var/task;
- core layer: `layers/core/python` (the `outreachpass` package) at /opt/python;
- dependencies layer: `requirements.txt` installed by pip for the Lambda platform
  (Python 3.12, arm64 manylinux wheels only), cached under `.build/` by the hash of
  requirements.txt so repeated synths do not reinstall;
- migrations layer: `migrations/*.sql` at /opt/migrations, only on the migrate function.

The code and both Python layers carry `.pyc` files for the runtime's exact Python version with
unchecked-hash invalidation (cdk_app.bytecode): Lambda cannot write a bytecode cache, so without
them every cold start compiles every module it imports. Compiled trees are cached under
`.build/bytecode/` by the content of their sources. A deployable synth refuses to bundle without
a compiler; a synth for the tests alone (`tests_only`, the stub dependencies layer) says so and
ships source only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

from cdk_app import bytecode
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
_EXCLUDED_DIRS = frozenset({"__pycache__", ".pytest_cache"})
BYTECODE_DIR = BUILD_DIR / "bytecode"
# Where each asset's root sits in Lambda: the function code in /var/task, layers in /opt.
CODE_ROOT = "/var/task"
LAYER_ROOT = "/opt"
# Bundling always runs locally; the image is required by the API but never pulled.
_UNUSED_IMAGE = cdk.DockerImage.from_registry("public.ecr.aws/sam/build-python3.12")


class BundlingError(RuntimeError):
    pass


class NoBytecodeWarning(UserWarning):
    """A synth for the tests alone found no compiler and bundled source only."""


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


def source_files(root: Path) -> list[Path]:
    """The files of a source folder that go into its asset (no bytecode caches)."""
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and not _EXCLUDED_DIRS.intersection(relative.parts) and path.suffix != ".pyc":
            found.append(path)
    return found


def tree_digest(root: Path) -> str:
    return files_digest(source_files(root), root)


# --- bytecode -----------------------------------------------------------------------------------


def bytecode_compiler(*, tests_only: bool) -> bytecode.Compiler | None:
    """The compiler for the runtime's Python; None only for a synth for the tests alone."""
    compiler = bytecode.find_compiler(PYTHON_VERSION)
    if compiler is None:
        message = (
            f"no Python {PYTHON_VERSION} to compile the bundles' bytecode with: put python{PYTHON_VERSION} on PATH, "
            f"or install Node and npm (pyodide), or set {bytecode.COMPILER_ENV} (docs/deploying.md)"
        )
        if not tests_only:
            raise BundlingError(message + "; a deployable bundle without bytecode compiles every module on every cold start")
        warnings.warn(f"synth for tests: {message}; bundling source only", NoBytecodeWarning, stacklevel=2)
    return compiler


def compile_in_place(trees: list[bytecode.Tree], compiler: bytecode.Compiler) -> None:
    """Compiles the trees and checks every .py got its .pyc; raises BundlingError otherwise."""
    try:
        compiler.compile(trees, BUILD_DIR)
    except bytecode.BytecodeError as error:
        raise BundlingError(f"bytecode for Python {PYTHON_VERSION}: {error}") from error
    for tree in trees:
        missing = bytecode.problems(tree.path, PYTHON_VERSION)
        if missing:
            shown = "\n  ".join(missing[:10])
            raise BundlingError(f"{compiler.describe()} left {len(missing)} modules without valid bytecode:\n  {shown}")


def _compiled_name(name: str, digest: str) -> str:
    return f"{name}-{digest[:20]}-{bytecode.cache_tag(PYTHON_VERSION)}"


def compiled_sources(sources: dict[str, tuple[Path, str]], compiler: bytecode.Compiler) -> dict[str, Path]:
    """Copies of source folders with their bytecode, cached as .build/bytecode/<name>-<digest>-<tag>/.

    `sources` maps a name to (folder, its root in Lambda). The ones not cached yet are compiled
    together (one compiler start); older copies of the same name are removed.
    """
    done: dict[str, Path] = {}
    todo: dict[str, tuple[Path, Path]] = {}
    for name, (source, _) in sources.items():
        cached = BYTECODE_DIR / _compiled_name(name, tree_digest(source))
        done[name] = cached
        if not (cached / ".complete").exists():
            staging = BYTECODE_DIR / f".{cached.name}.partial"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            for path in source_files(source):
                target = staging / "tree" / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
            todo[name] = (staging, cached)
    if todo:
        compile_in_place([bytecode.Tree(staging / "tree", sources[name][1]) for name, (staging, _) in todo.items()], compiler)
        for staging, cached in todo.values():
            (staging / ".complete").write_text(compiler.describe() + "\n")
            shutil.rmtree(cached, ignore_errors=True)
            staging.rename(cached)
    for name, cached in done.items():  # keep the current copy and the one before it
        others = sorted((p for p in BYTECODE_DIR.glob(f"{name}-*") if p != cached), key=lambda p: p.stat().st_mtime)
        for old in others[:-1]:
            shutil.rmtree(old, ignore_errors=True)
    return {name: cached / "tree" for name, cached in done.items()}


# The two source folders of our own code, compiled together whichever asset is built first.
def _own_sources() -> dict[str, tuple[Path, str]]:
    return {"code": (LAMBDAS_DIR, CODE_ROOT), "core": (CORE_LAYER_DIR, LAYER_ROOT)}


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


def cached_dependencies(digest: str) -> Path:
    """.build/dependencies-<digest>/python, built once per requirements.txt content (source only)."""
    cached = BUILD_DIR / f"dependencies-{digest[:16]}"
    if (cached / ".complete").exists():
        return cached
    staging = BUILD_DIR / f".dependencies-{digest[:16]}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    pip_install_for_lambda(staging / "python")
    for cache_dir in (staging / "python").rglob("__pycache__"):
        shutil.rmtree(cache_dir, ignore_errors=True)
    (staging / ".complete").write_text(digest)
    shutil.rmtree(cached, ignore_errors=True)
    staging.rename(cached)
    return cached


def compiled_dependencies(digest: str, compiler: bytecode.Compiler) -> Path:
    """The dependencies layer's folder (holding python/) with its bytecode, compiled once per
    requirements.txt content and runtime version (next to the pip output, which stays source only)."""
    compiled = BUILD_DIR / f"dependencies-{digest[:16]}-{bytecode.cache_tag(PYTHON_VERSION)}"
    if (compiled / ".complete").exists():
        return compiled
    source = cached_dependencies(digest)
    staging = BUILD_DIR / f".{compiled.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source / "python", staging / "python")
    compile_in_place([bytecode.Tree(staging / "python", f"{LAYER_ROOT}/python")], compiler)
    (staging / ".complete").write_text(compiler.describe() + "\n")
    shutil.rmtree(compiled, ignore_errors=True)
    staging.rename(compiled)
    return compiled


def dependencies_layer_code(*, stub: bool = False) -> lambda_.Code:
    """The third-party packages layer. `stub` (tests only) skips pip and ships an empty layer."""
    digest = requirements_digest()
    if stub:

        def build_stub(output: Path) -> None:
            (output / "python").mkdir(parents=True, exist_ok=True)
            (output / "python" / "STUB_DEPENDENCIES_LAYER").write_text("built with dependencies_layer=stub\n")

        return _locally_built_asset(REQUIREMENTS.parent, "stub-" + digest, build_stub)
    compiler = bytecode_compiler(tests_only=False)
    assert compiler is not None  # bytecode_compiler raises for a deployable bundle

    def build(output: Path) -> None:
        shutil.copytree(compiled_dependencies(digest, compiler) / "python", output / "python", dirs_exist_ok=True)

    return _locally_built_asset(REQUIREMENTS.parent, f"{digest}-{bytecode.cache_tag(PYTHON_VERSION)}", build)


def migrations_layer_code() -> lambda_.Code:
    digest = migrations_digest()

    def build(output: Path) -> None:
        target = output / "migrations"
        target.mkdir(parents=True, exist_ok=True)
        for sql in sorted(MIGRATIONS_DIR.glob("*.sql")):
            shutil.copy2(sql, target / sql.name)

    return _locally_built_asset(MIGRATIONS_DIR, "migrations-" + digest, build)


def _own_code(name: str, *, tests_only: bool) -> lambda_.Code:
    source, _ = _own_sources()[name]
    compiler = bytecode_compiler(tests_only=tests_only)
    if compiler is None:  # tests only, said so above
        return lambda_.Code.from_asset(str(source), exclude=CODE_EXCLUDES)
    digest = tree_digest(source)

    def build(output: Path) -> None:
        compiled = compiled_sources(_own_sources(), compiler)[name]
        shutil.copytree(compiled, output, dirs_exist_ok=True)

    return _locally_built_asset(source, f"{name}-{digest}-{bytecode.cache_tag(PYTHON_VERSION)}", build)


def function_code(*, tests_only: bool = False) -> lambda_.Code:
    """lambdas/ with its bytecode. `tests_only`: a synth for the tests, which may go on without bytecode."""
    return _own_code("code", tests_only=tests_only)


def core_layer_code(*, tests_only: bool = False) -> lambda_.Code:
    """layers/core (python/outreachpass) with its bytecode."""
    return _own_code("core", tests_only=tests_only)


# --- reading a synthesized cloud assembly ----------------------------------------------------------


@dataclass(frozen=True)
class FunctionBundle:
    """What one synthesized Python function runs from: its code asset and its layers' assets, in order."""

    stack: str
    logical_id: str
    function_name: str
    handler: str
    runtime: str
    code: Path
    layers: tuple[Path, ...]
    # Layers published by AWS (the Parameters and Secrets extension): an ARN, no Python of ours.
    external_layers: tuple[str, ...] = ()

    @property
    def assets(self) -> tuple[Path, ...]:
        return (self.code, *self.layers)


def function_bundles(outdir: Path) -> list[FunctionBundle]:
    """Every Python Lambda function of a cloud assembly, with the folders its code and layers were
    staged from (the `*.assets.json` manifests map each asset's S3 key to its folder)."""
    found = []
    for template_path in sorted(outdir.glob("*.template.json")):
        stack = template_path.name.removesuffix(".template.json")
        manifest_path = outdir / f"{stack}.assets.json"
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"files": {}}
        by_key = {
            destination["objectKey"]: outdir / entry["source"]["path"]
            for entry in manifest["files"].values()
            for destination in entry["destinations"].values()
        }
        resources = json.loads(template_path.read_text())["Resources"]

        def staged(code: dict, where: str, by_key: dict[str, Path] = by_key) -> Path:
            key = code.get("S3Key")
            if not isinstance(key, str) or key not in by_key:
                raise BundlingError(f"{where}: code {code!r} is not a file asset of this assembly")
            return by_key[key]

        for logical_id, resource in resources.items():
            properties = resource.get("Properties", {})
            if resource["Type"] != "AWS::Lambda::Function" or not str(properties.get("Runtime", "")).startswith("python"):
                continue
            layers, external = [], []
            for layer in properties.get("Layers", []):
                if isinstance(layer, str) and layer.startswith("arn:") and ":layer:" in layer:
                    external.append(layer)  # an extension: a process beside the runtime, not on sys.path
                    continue
                if not isinstance(layer, dict) or set(layer) != {"Ref"}:
                    raise BundlingError(f"{stack}/{logical_id}: layer {layer!r} is not a layer of its own stack")
                layers.append(staged(resources[layer["Ref"]]["Properties"]["Content"], f"{stack}/{layer['Ref']}"))
            found.append(
                FunctionBundle(
                    stack=stack,
                    logical_id=logical_id,
                    function_name=str(properties.get("FunctionName", logical_id)),
                    handler=properties["Handler"],
                    runtime=properties["Runtime"],
                    code=staged(properties["Code"], f"{stack}/{logical_id}"),
                    layers=tuple(layers),
                    external_layers=tuple(external),
                )
            )
    return found
