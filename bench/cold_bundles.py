"""The bundles the cold-start benchmark runs from: the functions' code and layers as synthesized, laid
out the way Lambda mounts them, for this machine's Python.

`synthesize()` runs a real synth of the default deployment config (`app.py`, as `cdk synth` runs it:
the same bundling as `make synth`: the dependencies layer from pip for arm64 with its cpython-312 bytecode). `mirror()`
turns one function's assets into two local folders, each holding `task/` (the code asset, Lambda's
/var/task) and `opt/` (the layers extracted in order, Lambda's /opt; `opt/python` is on sys.path):

- `bytecode/`: every .py with an unchecked-hash .pyc for *this* interpreter (3.11 here): the runtime's
  cpython-312 files are unusable by 3.11, so the same files are compiled again, the same way;
- `source/`: the same files without any bytecode (what Lambda ran before issue 15).

Layers with binary wheels for another machine (the arm64 dependencies layer) are rebuilt by pip
for this machine from the very versions their `*.dist-info` name, so the files are the same
packages, built for this CPU and Python; the .py files that differ are counted and reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import ROOT

WORK_DIR = ROOT / ".local" / "bench-cold"
LOCAL_VERSION = "{}.{}".format(*sys.version_info[:2])
_ELF_AARCH64 = 0xB7
_LOCAL_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")


@dataclass(frozen=True)
class Mirror:
    """A bundle laid out as in Lambda, twice: with this interpreter's bytecode and as source only."""

    root: Path
    modules: int
    rebuilt_layers: tuple[str, ...]  # notes on layers rebuilt for this machine
    size_bytes: dict[str, int]  # synthesized sizes: "code", "layers", "pyc_of_runtime"

    def paths(self, kind: str) -> list[str]:
        return [str(self.root / kind / "task"), str(self.root / kind / "opt" / "python")]

    def folders(self, kind: str) -> list[str]:
        return [str(self.root / kind / "task"), str(self.root / kind / "opt")]


def synthesize(outdir: Path) -> float:
    """A synth of the default config into outdir, the way the `cdk` CLI runs it: `app.py` with cdk.json's
    context and CDK_OUTDIR (cdk-nag included), the functions' bundles as deployed. Returns the seconds it took."""
    context = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    # The functions' bundles are what a deploy ships (the real dependencies layer, bytecode required); only
    # the console, which no function runs from, may be the marked placeholder when web/ is not built here.
    context["console"] = "placeholder"
    shutil.rmtree(outdir, ignore_errors=True)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=ROOT,
        env={**os.environ, "CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": json.dumps(context)},
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"synth failed:\n{result.stderr[-3000:]}")
    return time.monotonic() - started


# --- layers with binaries for another machine ------------------------------------------------------


def _is_foreign_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        header = handle.read(20)
    return header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == _ELF_AARCH64


def _pins(python_dir: Path) -> list[str]:
    pins = []
    for dist_info in sorted(python_dir.glob("*.dist-info")):
        fields = {}
        for line in (dist_info / "METADATA").read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                break
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
        pins.append(f"{fields['Name']}=={fields['Version']}")
    return pins


def _local_wheels(pins: list[str]) -> Path:
    """The same package versions installed by pip for this machine's platform and Python, cached."""
    key = hashlib.sha256(("\n".join(pins) + LOCAL_VERSION).encode()).hexdigest()[:16]
    target = WORK_DIR / f"local-wheels-{key}"
    if (target / ".complete").exists():
        return target / "python"
    shutil.rmtree(target, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    command += ["--no-deps", "--only-binary=:all:", "--implementation", "cp", "--python-version", LOCAL_VERSION]
    command += [arg for platform in _LOCAL_PLATFORMS for arg in ("--platform", platform)]
    command += ["--target", str(target / "python"), *pins]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pip could not rebuild the layer for this machine:\n{result.stderr[-3000:]}")
    for cache_dir in (target / "python").rglob("__pycache__"):
        shutil.rmtree(cache_dir, ignore_errors=True)
    (target / ".complete").write_text("\n".join(pins))
    return target / "python"


def _py_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*.py")}


def _layer_for_this_machine(layer: Path) -> tuple[Path, str | None]:
    """The layer folder to extract here, and a note when it had to be rebuilt."""
    python_dir = layer / "python"
    if not python_dir.is_dir() or not any(_is_foreign_binary(p) for p in python_dir.rglob("*.so")):
        return layer, None
    pins = _pins(python_dir)
    local = _local_wheels(pins)
    staged = WORK_DIR / f"layer-{layer.name[-16:]}-{local.parent.name}"
    if not (staged / ".complete").exists():
        shutil.rmtree(staged, ignore_errors=True)
        for item in layer.iterdir():  # whatever else the layer holds, as synthesized
            if item.name != "python":
                (shutil.copytree if item.is_dir() else shutil.copy2)(item, staged / item.name)
        shutil.copytree(local, staged / "python", ignore=shutil.ignore_patterns("__pycache__"))
        (staged / ".complete").write_text("")
    ours, theirs = _py_files(staged / "python"), _py_files(python_dir)
    note = (
        f"{len(pins)} packages rebuilt for {LOCAL_VERSION} x86_64 at the synthesized versions; "
        f".py files: {len(theirs & ours)} the same, {len(theirs - ours)} only in the arm64 layer, "
        f"{len(ours - theirs)} only here"
    )
    return staged, note


# --- mirrors ----------------------------------------------------------------------------------------


def _size(root: Path, pattern: str = "*") -> int:
    return sum(p.stat().st_size for p in root.rglob(pattern) if p.is_file())


def _drop_bytecode(root: Path) -> None:
    for cache_dir in list(root.rglob("__pycache__")):
        shutil.rmtree(cache_dir)
    for pyc in root.rglob("*.pyc"):
        pyc.unlink()


def _compile_for_this_python(folders: list[Path]) -> None:
    from cdk_app import bytecode

    compiler = bytecode.Compiler("python", LOCAL_VERSION, sys.executable)
    trees = [bytecode.Tree(folder, "/" + folder.name) for folder in folders]
    try:
        compiler.compile(trees, WORK_DIR)
    except bytecode.BytecodeError as error:
        if "cannot compile" not in str(error):
            raise
        print(f"  (bench) {error}", file=sys.stderr)  # not importable on this Python either
    for folder in folders:
        problems = [p for p in bytecode.problems(folder, LOCAL_VERSION) if ": no " not in p]
        if problems:
            raise RuntimeError(f"{folder}: {problems[:5]}")


def mirror(code: Path, layers: tuple[Path, ...], *, label: str, content_key: str | None = None) -> Mirror:
    """The bundle of a function (code asset + layers, as synthesized) for this machine, cached by the
    assets' names (content hashes; or `content_key`) and this Python's version."""
    names = [content_key] if content_key else [code.name, *(layer.name for layer in layers)]
    key = hashlib.sha256("|".join([*names, sys.version]).encode()).hexdigest()[:16]
    root = WORK_DIR / f"mirror-{label}-{key}"
    info_path = root / "mirror.json"
    if info_path.exists():
        info = json.loads(info_path.read_text())
        return Mirror(root, info["modules"], tuple(info["rebuilt"]), info["sizes"])
    for old in WORK_DIR.glob(f"mirror-{label}-*"):
        shutil.rmtree(old, ignore_errors=True)
    staging = WORK_DIR / f".mirror-{label}-{key}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    task, opt = staging / "bytecode" / "task", staging / "bytecode" / "opt"
    shutil.copytree(code, task)
    rebuilt = []
    for layer in layers:  # Lambda extracts layers into /opt in order, later ones over earlier ones
        local, note = _layer_for_this_machine(layer)
        shutil.copytree(local, opt, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".complete"))
        if note:
            rebuilt.append(note)
    sizes = {
        "code": _size(code),
        "layers": sum(_size(layer) for layer in layers),
        "pyc_of_runtime": _size(code, "*.pyc") + sum(_size(layer, "*.pyc") for layer in layers),
    }
    _drop_bytecode(staging / "bytecode")  # the runtime's cpython-312 files: useless to this Python
    shutil.copytree(staging / "bytecode", staging / "source")
    _compile_for_this_python([task, opt / "python"])
    modules = len(_py_files(task)) + len(_py_files(opt / "python"))
    info_path = staging / "mirror.json"
    info_path.write_text(json.dumps({"modules": modules, "rebuilt": rebuilt, "sizes": sizes}))
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)
    return Mirror(root, modules, tuple(rebuilt), sizes)


def tree_fingerprint(folders: list[str]) -> tuple[int, int]:
    """(files, bytes) under the folders: unchanged after the runs means nothing was written."""
    files = [p for folder in folders for p in Path(folder).rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)
