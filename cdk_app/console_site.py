"""The built console (web/dist, made by Vite with base /admin/) as a CDK asset source.

A deployable synth refuses to go on without it: shipping a stage without its console is a broken deploy,
not a warning. A synth for tests (context `console=placeholder`, which the infra tests and the CLI test set)
may use a placeholder page instead when the console was not built on this machine; the placeholder says
so in its own text, so it cannot pass for the real thing.
"""

from __future__ import annotations

from pathlib import Path

from cdk_app.config import REPO_ROOT

CONSOLE_DIST = REPO_ROOT / "web" / "dist"
PLACEHOLDER_DIR = REPO_ROOT / ".build" / "console-placeholder"
PLACEHOLDER_CONTEXT = "console"  # -c console=placeholder: tests only
PLACEHOLDER_MARK = "OUTREACHPASS CONSOLE PLACEHOLDER"
BUILD_COMMAND = "npm --prefix web ci && npm --prefix web run build"


class ConsoleNotBuilt(RuntimeError):
    """The console's static files are missing and this synth may not stand in for them."""


def is_built(dist: Path = CONSOLE_DIST) -> bool:
    return (dist / "index.html").is_file()


def console_source(*, allow_placeholder: bool, dist: Path = CONSOLE_DIST) -> Path:
    """The folder BucketDeployment uploads under /admin/: web/dist, or (tests only) a marked placeholder."""
    if is_built(dist):
        return dist
    if not allow_placeholder:
        raise ConsoleNotBuilt(
            f"the console is not built ({dist / 'index.html'} is missing): build it first ({BUILD_COMMAND}); "
            "a deployable synth does not ship a stage without its console"
        )
    PLACEHOLDER_DIR.mkdir(parents=True, exist_ok=True)
    (PLACEHOLDER_DIR / "index.html").write_text(
        "<!doctype html><html lang=en><meta charset=utf-8><title>Console placeholder</title>"
        f"<h1>{PLACEHOLDER_MARK}</h1><p>This synth was made for tests on a machine where the console "
        "(web/) was not built. It is not deployable.</p></html>\n",
        encoding="utf-8",
    )
    return PLACEHOLDER_DIR
