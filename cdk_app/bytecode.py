"""Bytecode for the Lambda runtime's Python, compiled at synth time.

Lambda's /var/task and /opt are read-only and start empty of bytecode caches, so a bundle shipped
without `.pyc` files compiles every module it imports on every cold start (3.7 times slower
imports, measured in issue 15). Every bundle therefore carries `__pycache__/<name>.cpython-312.pyc`
next to each `.py`, written by CPython 3.12 itself with unchecked-hash invalidation (PEP 552): the
runtime loads it without comparing file times or hashing the source.

The compiler is CPython of the runtime's minor version, found in this order (or as
OUTREACHPASS_BYTECODE_COMPILER says: `auto`, `docker`, `pyodide`, `none`, or an interpreter path):

1. `python3.12` on PATH (the deploy workflow installs it with setup-python);
2. Docker with the Lambda build image (`public.ecr.aws/sam/build-python3.12`), when the daemon
   answers and the image is already pulled (a synth never starts a 1 GB download on its own);
3. CPython for WebAssembly under Node (npm `pyodide`, pinned by cdk_app/bytecode_tools/package-lock.json,
   installed under .build/ on first use): Node is already required by CDK, so this always works.

All three write the same format: bytecode is stable within a CPython minor version (the magic number,
3531 for 3.12, does not change between 3.12.x releases), and the files are checked after compiling
(`problems`). Decision and alternatives: docs/decisions.md.
"""

from __future__ import annotations

import _imp
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TOOLS_DIR = Path(__file__).resolve().parent / "bytecode_tools"
COMPILE_SCRIPT = TOOLS_DIR / "compile_tree.py"
COMPILER_ENV = "OUTREACHPASS_BYTECODE_COMPILER"
LAMBDA_BUILD_IMAGE = "public.ecr.aws/sam/build-python{version}"

# importlib.util.MAGIC_NUMBER of each final CPython minor version: the first two bytes of every .pyc.
MAGIC_NUMBERS = {"3.11": 3495, "3.12": 3531, "3.13": 3571}
_FLAG_HASH_BASED = 0b01
_FLAG_CHECK_SOURCE = 0b10


class BytecodeError(RuntimeError):
    pass


@dataclass(frozen=True)
class Tree:
    """A folder to compile in place, and where its root sits in Lambda (the path tracebacks show)."""

    path: Path
    runtime_path: str


def cache_tag(version: str) -> str:
    return "cpython-" + version.replace(".", "")


# --- checking -----------------------------------------------------------------------------------


def problems(root: Path, version: str) -> list[str]:
    """Every .py under root without a valid unchecked-hash .pyc of `version` next to it: the .pyc is
    missing, has another version's magic number, is timestamp-based or checked, or was compiled from
    other source bytes (the hash in its header is the runtime's keyed SipHash of the source)."""
    magic = MAGIC_NUMBERS[version]
    key = int.from_bytes(magic.to_bytes(2, "little") + b"\r\n", "little")  # the runtime's _RAW_MAGIC_NUMBER
    tag = cache_tag(version)
    found = []
    for source in sorted(root.rglob("*.py")):
        relative = source.relative_to(root)
        pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        if not pyc.is_file():
            found.append(f"{relative}: no {pyc.name}")
            continue
        header = pyc.read_bytes()[:16]
        if int.from_bytes(header[:2], "little") != magic or header[2:4] != b"\r\n":
            found.append(f"{relative}: {pyc.name} has magic number {int.from_bytes(header[:2], 'little')}, not {magic}")
            continue
        flags = int.from_bytes(header[4:8], "little")
        if flags != _FLAG_HASH_BASED:
            kind = "checked-hash" if flags & _FLAG_CHECK_SOURCE else "timestamp"
            found.append(f"{relative}: {pyc.name} is {kind}-based, not unchecked-hash")
            continue
        if header[8:16] != _imp.source_hash(key, source.read_bytes()):
            found.append(f"{relative}: {pyc.name} was compiled from other source")
    return found


def count_modules(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.py"))


# --- compilers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiler:
    """One way to run compile_tree.py in CPython of the runtime's version."""

    kind: str  # "python", "docker" or "pyodide"
    version: str
    command: str  # the interpreter, `docker`, or `node`

    def describe(self) -> str:
        return {
            "python": f"{self.command}",
            "docker": f"Docker, {LAMBDA_BUILD_IMAGE.format(version=self.version)}",
            "pyodide": "CPython for WebAssembly (npm pyodide) under Node",
        }[self.kind]

    def compile(self, trees: list[Tree], build_dir: Path) -> None:
        """Compiles the trees in place; raises BytecodeError when the compiler is not CPython
        `version` or a file does not compile."""
        if not trees:
            return
        job = {"trees": [{"path": str(tree.path), "ddir": tree.runtime_path} for tree in trees]}
        if self.kind == "python":
            argv = [self.command, "-I", str(COMPILE_SCRIPT)]
        elif self.kind == "docker":
            argv = docker_argv(self.command, self.version, trees)
            job = {"trees": [{"path": f"/bytecode/{i}", "ddir": t.runtime_path} for i, t in enumerate(trees)]}
        else:
            argv = [self.command, str(TOOLS_DIR / "pyodide_compile.mjs"), str(pyodide_package(build_dir))]
        result = subprocess.run(  # noqa: S603 (argv built here)
            argv, input=json.dumps(job), capture_output=True, text=True, check=False, timeout=1800
        )
        if result.returncode != 0:
            raise BytecodeError(f"{self.describe()} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
        report = json.loads(result.stdout.strip().splitlines()[-1])
        if report["magic"] != MAGIC_NUMBERS[self.version] or report["cache_tag"] != cache_tag(self.version):
            raise BytecodeError(
                f"{self.describe()} is Python {report['version']} ({report['cache_tag']}), not {self.version}"
            )
        failed = [f"{tree['path']}/{item['file']}: {item['error']}" for tree in report["trees"] for item in tree["failed"]]
        if failed:
            raise BytecodeError(f"files that Python {report['version']} cannot compile:\n" + "\n".join(failed[:20]))


def docker_argv(docker: str, version: str, trees: list[Tree]) -> list[str]:
    """`docker run` of compile_tree.py in the Lambda build image, each tree mounted read-write at
    /bytecode/<n> and the script read-only; files are written as the calling user."""
    argv = [docker, "run", "--rm", "-i", "--network", "none", "--user", f"{os.getuid()}:{os.getgid()}"]
    argv += ["-v", f"{COMPILE_SCRIPT}:/bytecode-tools/compile_tree.py:ro"]
    for index, tree in enumerate(trees):
        argv += ["-v", f"{tree.path.resolve()}:/bytecode/{index}"]
    argv += [LAMBDA_BUILD_IMAGE.format(version=version), f"python{version}", "-I", "/bytecode-tools/compile_tree.py"]
    return argv


def _python_of_version(command: str, version: str) -> bool:
    try:
        result = subprocess.run(  # noqa: S603 (an interpreter name or path)
            [command, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and result.stdout.strip() == version


def _docker_ready(docker: str, version: str) -> bool:
    image = LAMBDA_BUILD_IMAGE.format(version=version)
    try:
        result = subprocess.run(  # noqa: S603 (fixed argv)
            [docker, "image", "inspect", "--format", "{{.Id}}", image], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@cache
def find_compiler(version: str) -> Compiler | None:
    """The compiler to use for `version` (see the module docstring), or None when there is none."""
    choice = os.environ.get(COMPILER_ENV, "auto").strip() or "auto"
    if choice == "none":
        return None
    if choice not in ("auto", "docker", "pyodide"):  # an interpreter
        if not _python_of_version(choice, version):
            raise BytecodeError(f"{COMPILER_ENV}={choice} is not a Python {version} interpreter")
        return Compiler("python", version, choice)
    if choice == "auto":
        python = shutil.which(f"python{version}")
        if python and _python_of_version(python, version):
            return Compiler("python", version, python)
    docker = shutil.which("docker")
    if choice == "docker":
        if not docker:
            raise BytecodeError(f"{COMPILER_ENV}=docker but there is no docker command")
        return Compiler("docker", version, docker)
    if choice == "auto" and docker and _docker_ready(docker, version):
        return Compiler("docker", version, docker)
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm and version == PYODIDE_PYTHON:
        return Compiler("pyodide", version, node)
    if choice == "pyodide":
        raise BytecodeError(f"{COMPILER_ENV}=pyodide needs node and npm, and Python {PYODIDE_PYTHON}")
    return None


# --- pyodide ------------------------------------------------------------------------------------

PYODIDE_PYTHON = "3.12"  # pyodide 0.27.x is CPython 3.12.7


def pyodide_package(build_dir: Path) -> Path:
    """node_modules/pyodide installed by `npm ci` from the committed lockfile, under
    build_dir/pyodide-<lockfile digest>/ (installed once per lockfile)."""
    lock = (TOOLS_DIR / "package-lock.json").read_bytes()
    home = build_dir / f"pyodide-{hashlib.sha256(lock).hexdigest()[:16]}"
    package = home / "node_modules" / "pyodide"
    if (home / ".complete").exists():
        return package
    staging = build_dir / f".{home.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(TOOLS_DIR / name, staging / name)
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [shutil.which("npm") or "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=staging,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        raise BytecodeError(f"npm ci of pyodide failed:\n{result.stderr[-3000:]}")
    (staging / ".complete").write_text("npm ci\n")
    shutil.rmtree(home, ignore_errors=True)
    staging.rename(home)
    return package
