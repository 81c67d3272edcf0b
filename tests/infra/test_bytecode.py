"""Every synthesized Python function runs from bundles that carry bytecode for the Lambda runtime's
Python: next to each `.py` of its code asset and of each of its layers, a
`__pycache__/<name>.cpython-312.pyc` with 3.12's magic number, the unchecked-hash flag (PEP 552) and
the hash of that very source. Lambda cannot write a bytecode cache, so a module without one is
compiled on every cold start.

Here the dependencies layer is the tests' stub (no pip); the real one goes through the same
compile-and-check step (cdk_app.bundling.compiled_dependencies) at `make synth` and `make bench`.
"""

from __future__ import annotations

from cdk_app import bytecode
from cdk_app.bundling import LAMBDA_RUNTIME, PYTHON_VERSION, function_bundles


def test_the_bytecode_version_is_the_runtime_version():
    assert LAMBDA_RUNTIME.name == f"python{PYTHON_VERSION}"
    assert PYTHON_VERSION in bytecode.MAGIC_NUMBERS


def our_bundles(outdir):
    """Our functions (handler modules under lambdas/handlers); CDK's own deploy-time handlers, if any, are
    CDK's code on CDK's runtime choice."""
    return [bundle for bundle in function_bundles(outdir) if bundle.handler.startswith("handlers.")]


def test_every_python_module_of_every_function_bundle_has_runtime_bytecode(synthesized):
    bundles = our_bundles(synthesized.outdir)
    assert len(bundles) > 50  # every route, worker, schedule and consumer of both application copies
    assert {bundle.runtime for bundle in bundles} == {f"python{PYTHON_VERSION}"}
    assets = {asset for bundle in bundles for asset in bundle.assets}
    modules = {asset: bytecode.count_modules(asset) for asset in assets}
    # The function code (lambdas/) and the core layer (outreachpass) are among what was inspected.
    assert any((asset / "routes.py").is_file() for asset in assets)
    assert any((asset / "python" / "outreachpass" / "__init__.py").is_file() for asset in assets)
    assert sum(modules.values()) > 150
    assert {asset.name: bytecode.problems(asset, PYTHON_VERSION) for asset in assets if modules[asset]} == {
        asset.name: [] for asset in assets if modules[asset]
    }


def test_each_handler_module_is_shipped_compiled(synthesized):
    tag = bytecode.cache_tag(PYTHON_VERSION)
    for bundle in our_bundles(synthesized.outdir):
        module = bundle.handler.rsplit(".", 1)[0].split(".")
        pyc = bundle.code.joinpath(*module[:-1], "__pycache__", f"{module[-1]}.{tag}.pyc")
        assert pyc.is_file(), (bundle.function_name, pyc)
