"""The infrastructure code's imports point one way: the composition root and the stacks (stacks/) use the
building blocks (cdk_app/), never the reverse, and neither reaches into the runtime (layers/core,
lambdas/handlers) or the local stack. Read from the source (AST), so no import has to run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The runtime and the local stack. CDK code reads only the route table (lambdas/routes.py, plain data,
# imported as `routes`); tests/unit/test_layering.py holds the whole repository to the layering, this
# one adds the direction between the building blocks and the stacks.
RUNTIME = ("outreachpass", "handlers", "local")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _sources(folder: str) -> list[Path]:
    files = sorted((REPO / folder).rglob("*.py"))
    assert files, folder
    return files


@pytest.mark.parametrize("path", _sources("cdk_app"), ids=lambda p: str(p.relative_to(REPO)))
def test_building_blocks_never_import_stacks_or_the_runtime(path):
    bad = {m for m in imported_modules(path) if _top(m) in ("stacks", *RUNTIME) or m == "app"}
    assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", [*_sources("stacks"), REPO / "app.py"], ids=lambda p: str(p.relative_to(REPO)))
def test_stacks_and_the_entry_point_never_import_the_runtime(path):
    bad = {m for m in imported_modules(path) if _top(m) in RUNTIME}
    assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)} (the route table is `routes`)"


def test_the_check_sees_a_violation(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from stacks.deployment import build_deployment\nimport outreachpass.config\n")
    assert {"stacks.deployment", "outreachpass.config"} <= imported_modules(probe)
