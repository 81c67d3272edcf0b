"""Secrets through the AWS Parameters and Secrets Lambda Extension (outreachpass.integrations.secrets).

The extension itself runs only in Lambda; local/secrets_extension.py answers its HTTP interface on a
loopback port from the local stack's moto, so the runtime's client runs unchanged: the request, the
token header, the answer's JSON, the refusals. Without the extension configured the same calls read
through boto3, as before.
"""

from __future__ import annotations

import json
import uuid

import pytest

from local.secrets_extension import SecretsExtension
from outreachpass.config import Settings
from outreachpass.integrations import secrets


@pytest.fixture
def extension(local_stack, monkeypatch):
    running = SecretsExtension(local_stack.boto("secretsmanager"), token=f"session-{uuid.uuid4()}")
    for key, value in running.env().items():
        monkeypatch.setenv(key, value)
    secrets.reset_secrets()
    yield running
    running.stop()
    secrets.reset_secrets()


@pytest.fixture
def secret(local_stack):
    client = local_stack.boto("secretsmanager")
    value = {"username": "app_user", "password": f"pw-{uuid.uuid4()}"}
    arn = client.create_secret(Name=f"test/extension/{uuid.uuid4()}", SecretString=json.dumps(value))["ARN"]
    yield arn, value
    client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    secrets.reset_secrets()


def test_a_secret_is_read_through_the_extension_once_per_max_age(extension, secret, local_stack):
    arn, value = secret
    assert secrets.secret_json(arn) == value
    assert secrets.secret_json(arn) == value
    assert extension.requests == 1  # the second read is this process's copy
    local_stack.boto("secretsmanager").put_secret_value(SecretId=arn, SecretString=json.dumps({"rotated": True}))
    assert secrets.secret_json(arn, max_age_s=0) == {"rotated": True}  # older than max_age: read again
    assert extension.requests == 2


def test_the_extension_refuses_a_wrong_session_token_and_nothing_is_cached(extension, secret, monkeypatch):
    arn, value = secret
    monkeypatch.setenv("AWS_SESSION_TOKEN", "someone-else")
    with pytest.raises(secrets.SecretUnavailable, match="answered 401"):
        secrets.secret_string(arn)
    monkeypatch.setenv("AWS_SESSION_TOKEN", extension.token)
    assert secrets.secret_json(arn) == value


def test_an_unknown_secret_and_an_extension_that_is_not_there_are_unavailable(extension, monkeypatch, local_stack):
    missing = f"arn:aws:secretsmanager:{local_stack.region}:123456789012:secret:nothing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(secrets.SecretUnavailable, match="answered 4"):
        secrets.secret_string(missing)
    extension.stop()
    with pytest.raises(secrets.SecretUnavailable, match="did not answer"):
        secrets.secret_string(missing)


def test_without_the_extension_the_secret_is_read_with_boto3(secret, monkeypatch):
    arn, value = secret
    monkeypatch.delenv(secrets.PORT_VARIABLE, raising=False)
    secrets.reset_secrets()
    assert secrets.secret_json(arn) == value
    with pytest.raises(secrets.SecretUnavailable):
        secrets.secret_string(arn + "-gone")


def test_database_credentials_come_from_the_extension(extension, secret):
    from psycopg.conninfo import conninfo_to_dict

    from outreachpass.db.connection import conninfo_from

    arn, value = secret
    config = Settings(db_host="proxy.example.internal", db_port=5432, db_name="outreachpass", db_secret_arn=arn)
    conninfo = conninfo_to_dict(conninfo_from(config))
    assert (conninfo["user"], conninfo["password"]) == (value["username"], value["password"])
    assert (conninfo["host"], conninfo["sslmode"]) == ("proxy.example.internal", "require")
    assert extension.requests == 1


def test_an_unreadable_database_secret_is_a_503_not_a_crash(extension):
    from outreachpass.db.connection import conninfo_from
    from outreachpass.errors import ServiceUnavailable

    config = Settings(db_host="proxy.example.internal", db_secret_arn=f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:gone-{uuid.uuid4().hex[:6]}")
    with pytest.raises(ServiceUnavailable):
        conninfo_from(config)
