"""The seed's alarms with the seed's thresholds, wired to the alarm topic, and the dashboard."""

from __future__ import annotations

import routes
from cdk_app.naming import Naming, pascal
from cdk_app.table import RouteTable
from tests.infra.templates import flatten, ref_id, resources

MONITORING = "OutreachPass-staging-Monitoring"


def _alarms(synthesized) -> dict[str, dict]:
    template = synthesized.template(MONITORING)
    return {
        a["Properties"]["AlarmName"]: a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()
    }


def test_every_function_has_error_rate_above_5_percent_and_duration_above_5_seconds_alarms(synthesized):
    alarms = _alarms(synthesized)
    naming = Naming("staging")
    for spec in RouteTable.from_module().function_specs():
        error_rate = alarms[f"outreachpass-staging-{spec.construct_id}ErrorRate"]
        assert error_rate["Threshold"] == 5
        assert error_rate["ComparisonOperator"] == "GreaterThanThreshold"
        expression = next(m for m in error_rate["Metrics"] if m.get("ReturnData", True) and "Expression" in m)
        assert "100 * errors / invocations" in expression["Expression"]
        function_names = {
            d["Value"]
            for m in error_rate["Metrics"]
            if "MetricStat" in m
            for d in m["MetricStat"]["Metric"]["Dimensions"]
        }
        assert function_names == {naming.function_name(spec.slug)}
        duration = alarms[f"outreachpass-staging-{spec.construct_id}Duration"]
        # The seed's 5 s applies to request paths; a worker or job alarms at 80 % of its own timeout
        # (a 15-minute import would otherwise alarm on every run).
        expected_ms = 5000 if spec.kind == "route" else int(spec.needs.timeout_s * 1000 * 0.8)
        assert (duration["Threshold"], duration["ExtendedStatistic"]) == (expected_ms, "p99"), spec.slug


def test_api_database_and_queue_alarms_use_the_seeds_thresholds(synthesized):
    alarms = _alarms(synthesized)
    api_5xx = alarms["outreachpass-staging-Api5xxRate"]
    assert api_5xx["Threshold"] == 5
    assert "100 * errors / requests" in next(m["Expression"] for m in api_5xx["Metrics"] if "Expression" in m)
    latency = alarms["outreachpass-staging-ApiLatency"]
    assert (latency["MetricName"], latency["Threshold"], latency["ExtendedStatistic"]) == ("Latency", 3000, "p99")
    cpu = alarms["outreachpass-staging-DatabaseCpu"]
    assert (cpu["MetricName"], cpu["Threshold"]) == ("CPUUtilization", 80)
    assert cpu["Dimensions"] == [{"Name": "DBClusterIdentifier", "Value": "outreachpass-staging-db"}]
    for queue in routes.QUEUES:
        depth = alarms[f"outreachpass-staging-QueueDepth{pascal(queue.name)}"]
        assert (depth["MetricName"], depth["Threshold"]) == ("ApproximateNumberOfMessagesVisible", 100)
        dead_letters = alarms[f"outreachpass-staging-DeadLetters{pascal(queue.name)}"]
        assert (dead_letters["Threshold"], dead_letters["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_every_alarm_notifies_the_encrypted_alarm_topic_with_an_email_subscription(synthesized):
    template = synthesized.template(MONITORING)
    (topic_id, topic), *_ = resources(template, "AWS::SNS::Topic").items()
    assert "KmsMasterKeyId" in topic["Properties"]
    (subscription,) = resources(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "oncall@outreachpass.example.com"
    for name, alarm in _alarms(synthesized).items():
        assert [ref_id(action) for action in alarm["AlarmActions"]] == [topic_id], name


def test_dashboard_shows_api_functions_queues_database_and_business_metrics(synthesized):
    (dashboard,) = resources(synthesized.template(MONITORING), "AWS::CloudWatch::Dashboard").values()
    body = flatten(dashboard["Properties"]["DashboardBody"])
    for title in ("API requests and errors", "Function errors", "Queue depth", "Database CPU", "Business metrics"):
        assert title in body


def test_the_deploy_time_migrations_function_is_alarmed_against_its_own_timeout(synthesized):
    alarms = _alarms(synthesized)
    assert alarms["outreachpass-staging-MigrateErrorRate"]["Threshold"] == 5
    assert alarms["outreachpass-staging-MigrateDuration"]["Threshold"] == 600 * 1000 * 0.8
