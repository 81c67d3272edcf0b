"""The layering, checked on every import statement of the code (module level or inside a function).

- The runtime library (`outreachpass`, layers/core) never imports handlers, the local stack, the
  route table, CDK or the tooling; inside it, nothing runs back up: handler conventions (api/,
  the handler wrappers) -> services -> data access / integrations / models -> the foundation
  modules (config, errors, ...).
- A handler (lambdas/handlers) never imports another handler, nor the local stack, CDK or tooling.
- The route table (lambdas/routes.py) is plain data: it imports the standard library only, so
  both sides can load it cheaply.
- The infrastructure (stacks/, cdk_app/) never imports runtime code: the route table is its only
  contract with the runtime.
- local/ may import everything (it is the local stand-in for AWS).
- The route table has one module name everywhere: `routes` (its name in the Lambda code root),
  never `lambdas.routes`, so no process holds two copies of its classes.
"""

from __future__ import annotations

import ast
import functools
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE_ROOT = ROOT / "layers" / "core" / "python"
LAMBDAS_ROOT = ROOT / "lambdas"
SKIPPED_DIRS = {".venv", ".git", ".build", ".local", "cdk.out", "node_modules", "__pycache__", "test-artifacts", "web"}

CDK = ("aws_cdk", "constructs", "cdk_nag", "jsii")
TOOLING = ("tests", "bench", "ops", "app")
# Core modules with no upward dependency: everything may use them, they use only each other.
FOUNDATION = ("config", "errors", "jsonutil", "observability", "principal", "lazy", "ipaddr", "sanitize")
# What each core package may import from the core (besides itself and the foundation).
CORE_MAY_IMPORT = {
    "services": ("data", "db", "integrations", "models"),
    "data": (),
    "models": (),
    "integrations": (),
    "db": ("integrations",),
}


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    source: str  # the importing module
    target: str  # the imported module (absolute), or "package.name" for `from package import name`

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.source} imports {self.target}"


def module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, base: Path) -> Iterator[Import]:
    yield from _imports_of(path, base)


@functools.cache
def _imports_of(path: Path, base: Path) -> tuple[Import, ...]:
    return tuple(_scan(path, base))


def _scan(path: Path, base: Path) -> Iterator[Import]:
    source = module_name(path, base)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, source, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the importing package
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                module = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                yield Import(path, node.lineno, source, f"{module}.{alias.name}" if module else alias.name)
            if module:
                yield Import(path, node.lineno, source, module)


def python_files(folder: Path) -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = [d for d in subdirs if d not in SKIPPED_DIRS]  # pruned, not walked (.venv is large)
        found.extend(Path(directory) / name for name in files if name.endswith(".py"))
    return sorted(found)


def within(target: str, *prefixes: str) -> bool:
    return any(target == prefix or target.startswith(prefix + ".") for prefix in prefixes)


def core_imports() -> list[Import]:
    return [i for p in python_files(CORE_ROOT / "outreachpass") for i in imports_of(p, CORE_ROOT)]


def handler_imports() -> list[Import]:
    return [i for p in python_files(LAMBDAS_ROOT / "handlers") for i in imports_of(p, LAMBDAS_ROOT)]


def infra_imports() -> list[Import]:
    return [i for folder in ("stacks", "cdk_app") for p in python_files(ROOT / folder) for i in imports_of(p, ROOT)]


# --- the rules, one function each (a deliberate violation makes exactly one of them fail) -----------


def core_violations(found: list[Import]) -> list[str]:
    forbidden = ("handlers", "local", "routes", "lambdas", "stacks", "cdk_app", *CDK, *TOOLING)
    return [str(i) for i in found if within(i.target, *forbidden)]


def core_layer_violations(found: list[Import]) -> list[str]:
    bad = []
    for i in found:
        if not within(i.target, "outreachpass") or i.target == "outreachpass":
            continue
        source_parts, target_parts = i.source.split("."), i.target.split(".")
        src, dst = (source_parts[1] if len(source_parts) > 1 else ""), target_parts[1]
        if dst == src or dst in FOUNDATION:
            continue
        if src in FOUNDATION:
            bad.append(f"{i} (a foundation module imports only other foundation modules)")
        elif src in CORE_MAY_IMPORT and dst not in CORE_MAY_IMPORT[src]:
            bad.append(f"{i} ({src}/ may import {', '.join(CORE_MAY_IMPORT[src]) or 'nothing'} of the core besides the foundation)")
    return bad


def handler_violations(found: list[Import]) -> list[str]:
    forbidden = ("handlers", "local", "lambdas", "stacks", "cdk_app", *CDK, *TOOLING)
    return [str(i) for i in found if within(i.target, *forbidden) and not within(i.target, i.source)]


def route_table_violations() -> list[str]:
    path = LAMBDAS_ROOT / "routes.py"
    return [
        f"{i} (the route table imports the standard library only)"
        for i in imports_of(path, LAMBDAS_ROOT)
        if i.target.split(".")[0] not in sys.stdlib_module_names and i.target != "__future__.annotations"
    ]


def infra_violations(found: list[Import]) -> list[str]:
    forbidden = ("outreachpass", "handlers", "local", "lambdas", *TOOLING)
    return [str(i) for i in found if within(i.target, *forbidden)]


def route_table_name_violations() -> list[str]:
    found = [i for p in python_files(ROOT) for i in imports_of(p, ROOT)]
    return [f"{i} (import it as `routes`)" for i in found if within(i.target, "lambdas.routes")]


# --- the tests ---------------------------------------------------------------------------------------


def test_the_scan_reads_the_code():
    assert len(core_imports()) > 500 and len(handler_imports()) > 300 and len(infra_imports()) > 100
    assert any(within(i.target, "outreachpass.services") for i in handler_imports())  # handlers do use services


def test_the_core_never_imports_handlers_the_local_stack_the_route_table_cdk_or_tooling():
    assert core_violations(core_imports()) == []


def test_inside_the_core_nothing_runs_back_up():
    assert core_layer_violations(core_imports()) == []


def test_handlers_never_import_other_handlers_the_local_stack_cdk_or_tooling():
    assert handler_violations(handler_imports()) == []


def test_the_route_table_is_plain_data():
    assert route_table_violations() == []


def test_the_infrastructure_never_imports_runtime_code():
    assert infra_violations(infra_imports()) == []


def test_the_route_table_has_one_module_name_everywhere():
    assert route_table_name_violations() == []


def test_each_rule_catches_its_violation():
    """The rules themselves: a made-up import of each kind is reported (and an allowed one is not)."""
    here = ROOT / "x.py"

    def one(source: str, target: str) -> list[Import]:
        return [Import(here, 1, source, target)]

    assert core_violations(one("outreachpass.services.cards", "handlers.admin.cards_get"))
    assert core_violations(one("outreachpass.services.cards", "routes"))
    assert core_violations(one("outreachpass.integrations.aws", "aws_cdk.aws_lambda"))
    assert not core_violations(one("outreachpass.services.cards", "outreachpass.data.cards"))
    assert core_layer_violations(one("outreachpass.data.cards", "outreachpass.services.cards"))
    assert core_layer_violations(one("outreachpass.models.uploads", "outreachpass.api.app"))
    assert core_layer_violations(one("outreachpass.services.cards", "outreachpass.api.envelope"))
    assert core_layer_violations(one("outreachpass.errors", "outreachpass.services.cards"))
    assert not core_layer_violations(one("outreachpass.api.visitor", "outreachpass.services.card_tracking"))
    assert handler_violations(one("handlers.jobs.retention", "handlers.jobs.analytics_rollup.deadline_of"))
    assert not handler_violations(one("handlers.jobs.retention", "outreachpass.scheduled"))
    assert infra_violations(one("stacks.api", "outreachpass.config"))
    assert not infra_violations(one("stacks.api", "routes"))
