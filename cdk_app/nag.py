"""cdk-nag (AwsSolutions) wiring: the checks run as a policy-validation plugin at synth.

cdk-nag 3 uses CDK's native acknowledgements: every suppression names one rule (or one finding,
`RuleId[Finding]`) on one construct and carries the reason next to it, at the call site.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def suppress(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one AwsSolutions finding on a construct and everything under it."""
    if len(reason) < 20:
        raise ValueError(f"{rule_id}: a suppression needs a real reason, got {reason!r}")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


def wildcard_finding(resource: str) -> str:
    """The AwsSolutions-IAM5 finding id for one wildcard resource, as cdk-nag flattens it."""
    return f"AwsSolutions-IAM5[Resource::{resource}]"


def enable_checks(app: cdk.App) -> None:
    """Run AwsSolutions on every stack at synth; any unacknowledged finding fails the synth."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def findings(scope: IConstruct) -> list[str]:
    """Unacknowledged AwsSolutions findings under a scope, one line each (for tests and reports)."""
    report = AwsSolutionsChecks(verbose=False).validate_scope(scope)
    lines = []
    for violation in report.violations:
        for resource in violation.violating_resources:
            lines.append(f"{violation.rule_name} at {resource.construct_path}: {violation.description}")
    return sorted(lines)
