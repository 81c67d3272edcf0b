"""Third-party packages whose `__init__` only re-exports names from their submodules, loaded lazily.

`aws_lambda_powertools.event_handler` imports every resolver (AppSync, Bedrock agents, VPC Lattice,
function URLs, ...) and `aws_lambda_powertools.utilities.data_classes` every event class (about 40
modules, with tempfile and zipfile for CodePipeline) just to re-export them, and any import of one
submodule runs its package's `__init__` first. `install()` puts a module in sys.modules for each such
package that has the real spec (so submodules import as usual) and resolves the re-exported names on
first use (PEP 562): an HTTP function loads the API Gateway resolver and the events it reads, not the
rest. A package whose `__init__` does anything but re-export (or is imported already) is left alone.
Installed by lambdas/handlers/__init__.py, which every function imports before its own imports run.
Measured with `make bench`: about 55 modules fewer per HTTP function, roughly 8 % of its import.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from types import ModuleType

PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")


def exports_of(name: str, source: str) -> dict[str, tuple[str, str]] | None:
    """name -> (submodule, attribute) for every name the package re-exports; None if it does more."""
    exports: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level in (0, 1):
            module = node.module if node.level == 0 else f"{name}.{node.module}"
            if not module.startswith(name + "."):
                return None
            for alias in node.names:
                if alias.name == "*":
                    return None
                exports[alias.asname or alias.name] = (module, alias.name)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        elif isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            continue
        else:
            return None
    return exports


class _LazyPackage(ModuleType):
    """A package module whose re-exported names are imported on first use (`__getattr__`)."""

    _exports: dict[str, tuple[str, str]]

    def __getattr__(self, attribute: str) -> object:
        exports = vars(self).get("_exports", {})
        if attribute not in exports:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attribute!r}")
        submodule, original = exports[attribute]
        value = getattr(importlib.import_module(submodule), original)
        ModuleType.__setattr__(self, attribute, value)
        return value

    def __setattr__(self, attribute: str, value: object) -> None:
        # Importing a submodule records it on its package. Where the package re-exports a name of the
        # same spelling from it (data_classes.event_source, the decorator), the real `__init__` rebinds
        # that name after the import: keep the re-exported object, as it does.
        exports = vars(self).get("_exports", {})
        if attribute in exports and isinstance(value, ModuleType) and value.__name__ == exports[attribute][0]:
            value = getattr(value, exports[attribute][1])
        ModuleType.__setattr__(self, attribute, value)

    def __dir__(self) -> list[str]:
        return sorted(set(vars(self)) | set(vars(self).get("_exports", {})))


def _lazy(name: str) -> ModuleType | None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return None
    source = spec.loader.get_source(name)  # type: ignore[attr-defined]
    exports = exports_of(name, source) if source else None
    if exports is None:
        return None
    module = importlib.util.module_from_spec(spec)
    module._exports = exports  # type: ignore[attr-defined]
    module.__all__ = list(exports)  # type: ignore[attr-defined]
    module.__class__ = _LazyPackage
    return module


def install() -> None:
    for name in PACKAGES:
        if name in sys.modules:
            continue
        module = _lazy(name)
        if module is None:
            continue
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        setattr(sys.modules[parent], child, module)
