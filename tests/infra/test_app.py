"""The whole deployment: stack names, checks at synth (cdk-nag, cfn-lint), silo copies, tenant stacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cdk_app.table import FUNCTION_GROUPS, RESOURCE_CEILING
from tests.infra.templates import FunctionStacks, flatten, resources

STAGE = "staging"
PLATFORM_PARTS = ("Data", "Storage", "Messaging", "Auth", "Api", "Edge", *FUNCTION_GROUPS, "Monitoring")
CLOUDFORMATION_RESOURCE_LIMIT = 500


def test_synth_lists_platform_tenant_and_silo_stacks(synthesized):
    expected = {f"OutreachPass-{STAGE}-{part}" for part in PLATFORM_PARTS}
    expected |= {f"OutreachPass-{STAGE}-initech-{part}" for part in PLATFORM_PARTS}
    expected |= {f"OutreachPass-{STAGE}-Tenant-{key}" for key in ("acme", "globex", "initech")}
    expected |= {f"OutreachPass-{STAGE}-acme-Edge"}  # acme's brand domain; globex has none
    assert set(synthesized.templates) == expected


def test_edge_stacks_are_in_us_east_1_and_the_rest_in_the_configured_region(synthesized):
    for stack in synthesized.deployment.stacks:
        expected = "us-east-1" if stack.stack_name.endswith("-Edge") else "eu-west-1"
        assert stack.region == expected, stack.stack_name
        assert stack.account == "123456789012"


def test_no_unacknowledged_cdk_nag_findings(synthesized):
    from cdk_app.nag import findings

    assert findings(synthesized.app) == []


def test_cdk_nag_reports_a_finding_that_is_not_acknowledged(tmp_path):
    """The check itself works: an unencrypted, unlogged bucket is reported."""
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3

    from cdk_app.nag import findings

    app = cdk.App(outdir=str(tmp_path))
    s3.Bucket(cdk.Stack(app, "Probe"), "Naked")
    reported = findings(app)
    assert any(line.startswith("AwsSolutions-S1 ") for line in reported)
    assert any(line.startswith("AwsSolutions-S10 ") for line in reported)


def test_cfn_lint_finds_no_errors_in_any_template(synthesized):
    from stacks.synth import CFN_LINT_IGNORED

    templates = sorted(str(path) for path in Path(synthesized.outdir).glob("*.template.json"))
    assert len(templates) == len(synthesized.templates)
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), "--format", "parseable", "--ignore-checks", *CFN_LINT_IGNORED, "--", *templates],
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert errors == [], "\n".join(errors)
    assert result.returncode in (0, 4, 8, 12), result.stderr  # no error bit (2), no crash (1)


def test_every_stack_stays_under_the_resource_ceiling(synthesized):
    counts = {name: len(template["Resources"]) for name, template in synthesized.templates.items()}
    over = {name: count for name, count in counts.items() if count > RESOURCE_CEILING}
    assert not over, f"stacks over {RESOURCE_CEILING} of CloudFormation's {CLOUDFORMATION_RESOURCE_LIMIT} resources: {over}"


def test_silo_tenant_gets_its_own_database_api_pool_and_edge(synthesized):
    for prefix, cluster_id in (
        (f"OutreachPass-{STAGE}", f"outreachpass-{STAGE}-db"),
        (f"OutreachPass-{STAGE}-initech", f"outreachpass-{STAGE}-initech-db"),
    ):
        clusters = resources(synthesized.template(f"{prefix}-Data"), "AWS::RDS::DBCluster")
        assert [c["Properties"]["DBClusterIdentifier"] for c in clusters.values()] == [cluster_id]
        assert len(resources(synthesized.template(f"{prefix}-Api"), "AWS::ApiGatewayV2::Api")) == 1
        assert len(resources(synthesized.template(f"{prefix}-Auth"), "AWS::Cognito::UserPool")) == 1
        assert len(resources(synthesized.template(f"{prefix}-Edge"), "AWS::CloudFront::Distribution")) == 1
    silo_functions = FunctionStacks(synthesized.templates, f"OutreachPass-{STAGE}-initech")
    names = [f["Properties"]["FunctionName"] for _, _, f in silo_functions.resources("AWS::Lambda::Function")]
    assert names and all(name.startswith(f"outreachpass-{STAGE}-initech-") for name in names)
    aliases = [
        d["Properties"]["DistributionConfig"]["Aliases"]
        for d in resources(
            synthesized.template(f"OutreachPass-{STAGE}-initech-Edge"), "AWS::CloudFront::Distribution"
        ).values()
    ]
    assert aliases == [["cards.initech.example"]]


def test_silo_tenant_stack_depends_on_its_whole_copy(synthesized):
    tenant = synthesized.deployment.tenants["initech"]
    dependencies = {stack.stack_name for stack in tenant.dependencies}
    assert {f"OutreachPass-{STAGE}-initech-{part}" for part in PLATFORM_PARTS} <= dependencies


def test_pool_tenant_stack_has_identity_configuration_set_group_and_alarms(synthesized):
    template = synthesized.template(f"OutreachPass-{STAGE}-Tenant-acme")
    identities = resources(template, "AWS::SES::EmailIdentity")
    assert [i["Properties"]["EmailIdentity"] for i in identities.values()] == ["acme.example"]
    sets = resources(template, "AWS::SES::ConfigurationSet")
    assert [s["Properties"]["Name"] for s in sets.values()] == [f"outreachpass-{STAGE}-acme"]
    destinations = resources(template, "AWS::SES::ConfigurationSetEventDestination")
    sns = [d for d in destinations.values() if "SnsDestination" in d["Properties"]["EventDestination"]]
    assert len(sns) == 1
    event = sns[0]["Properties"]["EventDestination"]
    assert sorted(event["MatchingEventTypes"]) == ["bounce", "click", "complaint", "delivery", "open"]
    assert "SesEventsTopic" in flatten(event["SnsDestination"]["TopicARN"])  # the platform's topic
    groups = resources(template, "AWS::Cognito::UserPoolGroup")
    assert [g["Properties"]["GroupName"] for g in groups.values()] == ["tenant-acme"]
    thresholds = {
        a["Properties"]["AlarmName"].rsplit("-", 1)[1]: a["Properties"]["Threshold"]
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
    }
    assert thresholds == {"BounceRate": 5, "ComplaintRate": 0.1}


def test_pool_tenant_brand_domain_has_a_certificate_and_distribution_behind_the_shared_waf(synthesized):
    template = synthesized.template(f"OutreachPass-{STAGE}-acme-Edge")
    certificates = resources(template, "AWS::CertificateManager::Certificate")
    assert [c["Properties"]["DomainName"] for c in certificates.values()] == ["cards.acme.example"]
    assert resources(template, "AWS::WAFv2::WebACL") == {}
    distribution = next(iter(resources(template, "AWS::CloudFront::Distribution").values()))
    config = distribution["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["cards.acme.example"]
    assert "WebAcl" in flatten(config["WebACLId"])
    assert f"OutreachPass-{STAGE}-Api" in flatten(config["Origins"][0]["DomainName"])


def test_platform_domain_gets_a_validated_certificate_and_alias_records(synthesized):
    template = synthesized.template(f"OutreachPass-{STAGE}-Edge")
    certificate = next(iter(resources(template, "AWS::CertificateManager::Certificate").values()))["Properties"]
    assert certificate["DomainName"] == "cards.outreachpass.example.com"
    assert certificate["DomainValidationOptions"][0]["HostedZoneId"] == "Z0123456789ABCDEFGHIJ"
    records = resources(template, "AWS::Route53::RecordSet")
    assert sorted(r["Properties"]["Type"] for r in records.values()) == ["A", "AAAA"]
    viewer = next(iter(resources(template, "AWS::CloudFront::Distribution").values()))
    assert viewer["Properties"]["DistributionConfig"]["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"


def test_waf_limits_card_pages_to_60_requests_per_minute_per_ip_and_uses_managed_rules(synthesized):
    template = synthesized.template(f"OutreachPass-{STAGE}-Edge")
    (acl,) = resources(template, "AWS::WAFv2::WebACL").values()
    assert acl["Properties"]["Scope"] == "CLOUDFRONT"
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    rate = rules["CardPagesPerIp"]["Statement"]["RateBasedStatement"]
    assert (rate["Limit"], rate["EvaluationWindowSec"], rate["AggregateKeyType"]) == (60, 60, "IP")
    scope = rate["ScopeDownStatement"]["ByteMatchStatement"]
    assert (scope["SearchString"], scope["PositionalConstraint"]) == ("/c/", "STARTS_WITH")
    from tests.infra.test_edge import assert_answers_429_like_the_api

    assert_answers_429_like_the_api(acl, rules["CardPagesPerIp"], retry_after="60")
    managed = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules.values()
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= managed
