"""The bytecode check and compiler choice of cdk_app.bytecode / cdk_app.bundling.

The check (`problems`) must catch each way a bundle's bytecode can be useless to the runtime: no
.pyc, another version's magic number, timestamp or checked-hash invalidation, a stale hash. The
compilers must write bytecode that passes it; pyodide (CPython 3.12 for WebAssembly under Node) is
run here for real, on a small tree.
"""

from __future__ import annotations

import _imp
import warnings
from pathlib import Path

import pytest

from cdk_app import bundling, bytecode

VERSION = bundling.PYTHON_VERSION
MAGIC = bytecode.MAGIC_NUMBERS[VERSION]
KEY = int.from_bytes(MAGIC.to_bytes(2, "little") + b"\r\n", "little")
TAG = bytecode.cache_tag(VERSION)


def write_pyc(source: Path, *, magic: int = MAGIC, flags: int = 0b01, hash_of: bytes | None = None) -> Path:
    pyc = source.parent / "__pycache__" / f"{source.stem}.{TAG}.pyc"
    pyc.parent.mkdir(exist_ok=True)
    digest = _imp.source_hash(KEY, source.read_bytes() if hash_of is None else hash_of)
    # The body is never read by the check; only the 16-byte header is.
    pyc.write_bytes(magic.to_bytes(2, "little") + b"\r\n" + flags.to_bytes(4, "little") + digest + b"\xe3")
    return pyc


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text("def answer():\n    return 42\n")
    return tmp_path


def test_a_valid_unchecked_hash_pyc_for_every_module_passes(tree):
    write_pyc(tree / "pkg" / "__init__.py")
    write_pyc(tree / "pkg" / "mod.py")
    assert bytecode.problems(tree, VERSION) == []


def test_a_module_without_bytecode_is_reported(tree):
    write_pyc(tree / "pkg" / "__init__.py")
    assert bytecode.problems(tree, VERSION) == [f"pkg/mod.py: no mod.{TAG}.pyc"]


def test_bytecode_of_another_python_is_reported(tree):
    write_pyc(tree / "pkg" / "__init__.py")
    write_pyc(tree / "pkg" / "mod.py", magic=bytecode.MAGIC_NUMBERS["3.11"])
    assert bytecode.problems(tree, VERSION) == [f"pkg/mod.py: mod.{TAG}.pyc has magic number 3495, not {MAGIC}"]


@pytest.mark.parametrize(("flags", "kind"), [(0b00, "timestamp"), (0b11, "checked-hash")])
def test_bytecode_that_the_runtime_would_check_against_the_source_is_reported(tree, flags, kind):
    write_pyc(tree / "pkg" / "__init__.py")
    write_pyc(tree / "pkg" / "mod.py", flags=flags)
    assert bytecode.problems(tree, VERSION) == [f"pkg/mod.py: mod.{TAG}.pyc is {kind}-based, not unchecked-hash"]


def test_bytecode_of_other_source_is_reported(tree):
    write_pyc(tree / "pkg" / "__init__.py")
    write_pyc(tree / "pkg" / "mod.py", hash_of=b"def answer():\n    return 41\n")
    assert bytecode.problems(tree, VERSION) == [f"pkg/mod.py: mod.{TAG}.pyc was compiled from other source"]


@pytest.fixture
def compiler_choice(monkeypatch):
    def choose(value: str) -> None:
        monkeypatch.setenv(bytecode.COMPILER_ENV, value)
        bytecode.find_compiler.cache_clear()

    yield choose
    bytecode.find_compiler.cache_clear()


def test_a_deployable_bundle_is_refused_without_a_compiler(compiler_choice):
    compiler_choice("none")
    with pytest.raises(bundling.BundlingError, match="without bytecode compiles every module on every cold start"):
        bundling.bytecode_compiler(tests_only=False)
    with pytest.raises(bundling.BundlingError):
        bundling.function_code()


def test_a_synth_for_tests_says_so_and_goes_on_without_a_compiler(compiler_choice):
    compiler_choice("none")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert bundling.bytecode_compiler(tests_only=True) is None
    assert [w.category for w in caught] == [bundling.NoBytecodeWarning]


def test_an_interpreter_of_another_version_is_refused(compiler_choice):
    import sys

    compiler_choice(sys.executable)  # this machine's 3.11
    with pytest.raises(bytecode.BytecodeError, match=f"not a Python {VERSION} interpreter"):
        bytecode.find_compiler(VERSION)


def test_the_docker_command_mounts_each_tree_and_runs_the_lambda_build_image(tmp_path):
    trees = [bytecode.Tree(tmp_path / "a", "/var/task"), bytecode.Tree(tmp_path / "b", "/opt")]
    argv = bytecode.docker_argv("docker", VERSION, trees)
    assert argv[:3] == ["docker", "run", "--rm"]
    assert f"{tmp_path / 'a'}:/bytecode/0" in argv and f"{tmp_path / 'b'}:/bytecode/1" in argv
    assert f"{bytecode.COMPILE_SCRIPT}:/bytecode-tools/compile_tree.py:ro" in argv
    image = argv.index(f"public.ecr.aws/sam/build-python{VERSION}")
    assert argv[image + 1 :] == [f"python{VERSION}", "-I", "/bytecode-tools/compile_tree.py"]


@pytest.mark.slow
def test_pyodide_writes_bytecode_that_passes_the_check(tree):
    (tree / "pkg" / "broken_on_purpose.txt").write_text("not python")
    compiler = bytecode.Compiler("pyodide", VERSION, "node")
    compiler.compile([bytecode.Tree(tree, "/var/task")], bundling.BUILD_DIR)
    assert bytecode.problems(tree, VERSION) == []
    assert sorted(p.name for p in (tree / "pkg" / "__pycache__").iterdir()) == [f"__init__.{TAG}.pyc", f"mod.{TAG}.pyc"]


@pytest.mark.slow
def test_a_module_the_runtime_cannot_compile_stops_the_bundle(tree):
    (tree / "pkg" / "bad.py").write_text("def broken(:\n")
    compiler = bytecode.Compiler("pyodide", VERSION, "node")
    with pytest.raises(bundling.BundlingError, match=r"pkg/bad\.py: SyntaxError"):
        bundling.compile_in_place([bytecode.Tree(tree, "/var/task")], compiler)
