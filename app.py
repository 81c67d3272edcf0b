#!/usr/bin/env python3
"""CDK entry point: `cdk synth|deploy [-c config=config/<stage>.json]` builds every OutreachPass stack.

Tests only: `-c dependencies_layer=stub` (no pip) and `-c console=placeholder` (a marked page when the
console was not built). A deployable synth sets neither.
"""

from __future__ import annotations

import sys

import aws_cdk as cdk

from cdk_app.config import ConfigError, config_from_context
from cdk_app.console_site import PLACEHOLDER_CONTEXT, ConsoleNotBuilt
from cdk_app.nag import enable_checks
from cdk_app.table import TableError
from stacks.deployment import STUB_DEPENDENCIES_CONTEXT, SynthOptions, build_deployment


def main() -> None:
    app = cdk.App()
    options = SynthOptions(
        stub_dependencies=app.node.try_get_context(STUB_DEPENDENCIES_CONTEXT) == "stub",
        console_placeholder=app.node.try_get_context(PLACEHOLDER_CONTEXT) == "placeholder",
    )
    try:
        config = config_from_context(app.node.try_get_context("config"), app.node.try_get_context("deployment"))
        build_deployment(app, config, options=options)
    except (ConfigError, TableError, ConsoleNotBuilt) as error:
        sys.exit(f"error: {error}")
    enable_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
