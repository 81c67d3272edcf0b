#!/usr/bin/env python3
"""CDK entry point: `cdk synth|deploy [-c config=config/<stage>.json]` builds every OutreachPass stack."""

from __future__ import annotations

import sys

import aws_cdk as cdk

from cdk_app.config import ConfigError, config_from_context
from cdk_app.nag import enable_checks
from cdk_app.table import TableError
from stacks.deployment import STUB_DEPENDENCIES_CONTEXT, build_deployment


def main() -> None:
    app = cdk.App()
    try:
        config = config_from_context(app.node.try_get_context("config"), app.node.try_get_context("deployment"))
        build_deployment(app, config, stub_dependencies=app.node.try_get_context(STUB_DEPENDENCIES_CONTEXT) == "stub")
    except (ConfigError, TableError) as error:
        sys.exit(f"error: {error}")
    enable_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
