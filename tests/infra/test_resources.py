"""Data, storage, messaging and auth stacks: the properties the issue and the seed require."""

from __future__ import annotations

import routes
from cdk_app.bundling import migrations_digest
from cdk_app.naming import pascal
from cdk_app.table import bucket_names
from tests.infra.templates import bucket_notifications, flatten, ref_id, resources, service_grants

PREFIX = "OutreachPass-staging"
ACCOUNT = "123456789012"
# The platform and the silo copy each have their own buckets and queues.
COPIES = ((PREFIX, "outreachpass-staging"), (f"{PREFIX}-initech", "outreachpass-staging-initech"))


def test_every_work_queue_has_a_dead_letter_queue_with_the_tables_redrive_policy(synthesized):
    template = synthesized.template(f"{PREFIX}-Messaging")
    queues = resources(template, "AWS::SQS::Queue")
    work = {logical_id: q for logical_id, q in queues.items() if "RedrivePolicy" in q["Properties"]}
    assert len(work) == len(routes.QUEUES)
    dead_letter_targets = set()
    for queue in routes.QUEUES:
        (resource,) = [q for logical_id, q in work.items() if logical_id.startswith(pascal(queue.name) + "Queue")]
        properties = resource["Properties"]
        assert properties["VisibilityTimeout"] == queue.visibility_timeout_s
        assert properties["RedrivePolicy"]["maxReceiveCount"] == queue.max_receive_count
        dead_letter_targets.add(ref_id(properties["RedrivePolicy"]["deadLetterTargetArn"]))
    # Every other queue in the stack is one of those DLQs: no queue is left without one.
    assert dead_letter_targets == set(queues) - set(work)
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_queues_refuse_plain_http(synthesized):
    template = synthesized.template(f"{PREFIX}-Messaging")
    policies = resources(template, "AWS::SQS::QueuePolicy").values()
    protected = {
        ref_id(queue)
        for policy in policies
        for queue in policy["Properties"]["Queues"]
        if _denies_insecure_transport(policy["Properties"]["PolicyDocument"])
    }
    assert protected == set(resources(template, "AWS::SQS::Queue"))


def _queue_id(template: dict, queue_name: str) -> str:
    (logical_id,) = [i for i in resources(template, "AWS::SQS::Queue") if i.startswith(pascal(queue_name) + "Queue")]
    return logical_id


def test_every_upload_trigger_is_an_object_created_notification_to_its_queue(synthesized):
    assert routes.UPLOAD_TRIGGERS, "the table should have upload triggers"
    for stack_prefix, resource_prefix in COPIES:
        messaging = synthesized.template(f"{stack_prefix}-Messaging")
        storage = synthesized.template(f"{stack_prefix}-Storage")
        expected = {
            (
                f"{resource_prefix}-{ACCOUNT}-{trigger.bucket}",
                "s3:ObjectCreated:*",
                trigger.prefix,
                trigger.suffix,
                _queue_id(messaging, trigger.queue),
            )
            for trigger in routes.UPLOAD_TRIGGERS
        }
        assert bucket_notifications(storage, messaging) == expected, stack_prefix
        # CloudFormation writes them itself: no notifications custom resource and its Lambda.
        assert not resources(storage, "Custom::S3BucketNotifications")
        assert not resources(storage, "AWS::Lambda::Function")
        assert f"{stack_prefix}-Messaging" in {
            s.stack_name for s in _stack(synthesized, stack_prefix, "Storage").dependencies
        }


def test_trigger_queues_let_s3_send_only_for_their_bucket_in_this_account(synthesized):
    for stack_prefix, resource_prefix in COPIES:
        messaging = synthesized.template(f"{stack_prefix}-Messaging")
        expected = {
            (
                _queue_id(messaging, trigger.queue),
                "sqs:SendMessage",
                f"arn:<AWS::Partition>:s3:::{resource_prefix}-{ACCOUNT}-{trigger.bucket}",
                ACCOUNT,
            )
            for trigger in routes.UPLOAD_TRIGGERS
        }
        assert service_grants(messaging, "s3.amazonaws.com") == expected, stack_prefix
        # S3 can write to SSE-SQS queues; a customer managed key would need a key policy for S3.
        for trigger in routes.UPLOAD_TRIGGERS:
            properties = messaging["Resources"][_queue_id(messaging, trigger.queue)]["Properties"]
            assert properties["SqsManagedSseEnabled"] is True and "KmsMasterKeyId" not in properties
        # Messaging names the buckets literally, so it never waits for Storage (no cycle).
        assert not {s.stack_name for s in _stack(synthesized, stack_prefix, "Messaging").dependencies}


def _stack(synthesized, stack_prefix: str, part: str):
    (stack,) = [s for s in synthesized.deployment.stacks if s.stack_name == f"{stack_prefix}-{part}"]
    return stack


def test_buckets_are_private_encrypted_tls_only_versioned_and_logged(synthesized):
    template = synthesized.template(f"{PREFIX}-Storage")
    buckets = resources(template, "AWS::S3::Bucket")
    named = {b["Properties"]["BucketName"]: (logical_id, b["Properties"]) for logical_id, b in buckets.items()}
    expected = {f"outreachpass-staging-123456789012-{name}" for name in bucket_names()}
    assert expected <= set(named)
    tls_only = {
        ref_id(policy["Properties"]["Bucket"])
        for policy in resources(template, "AWS::S3::BucketPolicy").values()
        if _denies_insecure_transport(policy["Properties"]["PolicyDocument"])
    }
    for name, (logical_id, properties) in named.items():
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, name
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
            "ServerSideEncryptionByDefault"
        ] == {"SSEAlgorithm": "AES256"}
        assert logical_id in tls_only, name
    for name in expected:
        properties = named[name][1]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
        assert rules["expire-old-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
        assert "LoggingConfiguration" in properties
    uploads = {
        rule["Id"]: rule
        for rule in named["outreachpass-staging-123456789012-uploads"][1]["LifecycleConfiguration"]["Rules"]
    }
    assert uploads["expire-uploads"]["ExpirationInDays"] == 14


def test_only_the_uploads_bucket_takes_browser_uploads_put_and_post_from_the_console_and_cors_origins(synthesized):
    consoles = {PREFIX: "https://cards.outreachpass.example.com", f"{PREFIX}-initech": "https://cards.initech.example"}
    for stack_prefix, resource_prefix in COPIES:
        buckets = {
            b["Properties"]["BucketName"]: b["Properties"]
            for b in resources(synthesized.template(f"{stack_prefix}-Storage"), "AWS::S3::Bucket").values()
        }
        uploads = f"{resource_prefix}-{ACCOUNT}-uploads"
        (rule,) = buckets[uploads]["CorsConfiguration"]["CorsRules"]
        # CSV imports are a presigned PUT; avatars and logos a presigned POST (form upload).
        assert sorted(rule["AllowedMethods"]) == ["POST", "PUT"]
        # The console on the copy's own edge (same origin as its admin API), then the configured origins.
        assert rule["AllowedOrigins"] == [consoles[stack_prefix], "https://admin.outreachpass.example.com"]
        assert "*" not in rule["AllowedOrigins"]
        assert [name for name, properties in buckets.items() if "CorsConfiguration" in properties] == [uploads]


def test_aurora_is_postgres16_serverless_v2_encrypted_backed_up_and_protected(synthesized):
    template = synthesized.template(f"{PREFIX}-Data")
    (cluster,) = resources(template, "AWS::RDS::DBCluster").values()
    properties = cluster["Properties"]
    assert properties["Engine"] == "aurora-postgresql"
    assert properties["EngineVersion"].startswith("16.")
    assert properties["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 8}
    assert properties["StorageEncrypted"] is True
    assert properties["BackupRetentionPeriod"] == 7  # point-in-time recovery within these 7 days
    assert properties["DeletionProtection"] is True  # staging is not dev
    instances = resources(template, "AWS::RDS::DBInstance").values()
    assert sorted(i["Properties"]["DBInstanceClass"] for i in instances) == ["db.serverless", "db.serverless"]
    (proxy,) = resources(template, "AWS::RDS::DBProxy").values()
    assert proxy["Properties"]["RequireTLS"] is True
    auth = proxy["Properties"]["Auth"]
    assert len(auth) == 1 and "AppSecret" in flatten(auth[0]["SecretArn"])


def test_database_credentials_are_separate_secrets_for_master_and_app_role(synthesized):
    template = synthesized.template(f"{PREFIX}-Data")
    secrets = {
        s["Properties"].get("Name"): s["Properties"]
        for s in resources(template, "AWS::SecretsManager::Secret").values()
    }
    master = secrets["outreachpass/staging/database/master"]
    app = secrets["outreachpass/staging/database/app"]
    assert '"username":"outreachpass_admin"' in master["GenerateSecretString"]["SecretStringTemplate"]
    assert '"username":"outreachpass_app"' in flatten(app["GenerateSecretString"]["SecretStringTemplate"])
    for name in routes.SECRETS:
        assert secrets[f"outreachpass/staging/{name}"]["SecretString"] == "{}"  # "not configured" to the runtime
    rotations = resources(template, "AWS::SecretsManager::RotationSchedule")
    assert len(rotations) == 2


def test_migrations_run_on_every_deploy_through_a_custom_resource(synthesized):
    template = synthesized.template(f"{PREFIX}-Data")
    (migrations,) = resources(template, "Custom::DatabaseMigrations").values()
    assert migrations["Properties"]["MigrationsHash"] == migrations_digest()
    functions = {
        f["Properties"]["Handler"]: f["Properties"] for f in resources(template, "AWS::Lambda::Function").values()
    }
    migrate = functions["handlers.jobs.migrate.handler"]
    environment = migrate["Environment"]["Variables"]
    assert environment["MIGRATIONS_DIR"] == "/opt/migrations"
    assert "Cluster" in flatten(environment["DB_HOST"])  # the writer, not the proxy
    assert {"MASTER_SECRET_ARN", "DB_SECRET_ARN", "DB_PORT", "DB_NAME"} <= set(environment)
    assert len(migrate["Layers"]) == 3  # core, dependencies, migrations


def test_vpc_reaches_aws_services_through_endpoints(synthesized):
    template = synthesized.template(f"{PREFIX}-Data")
    services = sorted(
        flatten(e["Properties"]["ServiceName"]).rsplit(".", 1)[1]
        for e in resources(template, "AWS::EC2::VPCEndpoint").values()
    )
    assert services == ["cognito-idp", "email", "s3", "secretsmanager", "sqs"]
    assert len(resources(template, "AWS::EC2::FlowLog")) == 1


def test_messaging_has_ses_identity_and_configuration_set_publishing_events_to_sns(synthesized):
    template = synthesized.template(f"{PREFIX}-Messaging")
    (identity,) = resources(template, "AWS::SES::EmailIdentity").values()
    assert identity["Properties"]["EmailIdentity"] == "outreachpass.example.com"
    (configuration_set,) = resources(template, "AWS::SES::ConfigurationSet").values()
    assert configuration_set["Properties"]["Name"] == "outreachpass-staging"
    events = [
        d["Properties"]["EventDestination"]
        for d in resources(template, "AWS::SES::ConfigurationSetEventDestination").values()
        if "SnsDestination" in d["Properties"]["EventDestination"]
    ]
    assert [sorted(e["MatchingEventTypes"]) for e in events] == [["bounce", "click", "complaint", "delivery", "open"]]
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    assert ref_id(events[0]["SnsDestination"]["TopicARN"]) == topic_id


def test_user_pool_carries_tenant_and_role_and_the_frontend_cannot_write_them(synthesized):
    template = synthesized.template(f"{PREFIX}-Auth")
    (pool,) = resources(template, "AWS::Cognito::UserPool").values()
    attributes = {a["Name"]: a for a in pool["Properties"]["Schema"]}
    assert attributes["tenant_id"]["Mutable"] is False
    assert attributes["role"]["Mutable"] is True
    policy = pool["Properties"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12 and policy["RequireSymbols"] is True
    assert pool["Properties"]["MfaConfiguration"] == "OPTIONAL"
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    (client,) = resources(template, "AWS::Cognito::UserPoolClient").values()
    assert "custom:tenant_id" in client["Properties"]["ReadAttributes"]
    assert not [a for a in client["Properties"]["WriteAttributes"] if a.startswith("custom:")]
    assert client["Properties"]["GenerateSecret"] is False


def _denies_insecure_transport(document: dict) -> bool:
    return any(
        statement["Effect"] == "Deny"
        and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for statement in document["Statement"]
    )
