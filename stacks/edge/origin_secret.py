"""The origin-verify secret: the value CloudFront adds to every request it sends to the API, which the public
routes check (outreachpass.api.origin) so that the execute-api endpoint cannot be used to go around the edge.

JSON `{"current": <sent by CloudFront>, "previous": <still accepted during a rotation, else "">}`, generated at
creation. It lives in us-east-1 with the distribution (CloudFormation resolves the dynamic reference in the
distribution's own region) and is replicated to the platform region, where the functions read the replica
through the VPC's Secrets Manager endpoint. Rotation: docs/deploying.md ("Origin verification").
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk_app.nag import suppress

VALUE_LENGTH = 64


class OriginVerifySecret(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, name: str, replica_region: str | None, removal_policy: cdk.RemovalPolicy
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = name
        self.secret = secretsmanager.Secret(
            self,
            "Default",
            secret_name=name,
            description="OutreachPass origin verification: CloudFront sends `current`; the API accepts `current` and `previous`",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"previous": ""}),
                generate_string_key="current",
                exclude_punctuation=True,  # a plain header value
                password_length=VALUE_LENGTH,
            ),
            replica_regions=[secretsmanager.ReplicaRegion(region=replica_region)] if replica_region else None,
            removal_policy=removal_policy,
        )
        suppress(
            self.secret,
            "AwsSolutions-SMG4",
            "rotating it means CloudFront must send the new value too (an Edge deploy) while the API accepts both; "
            "operators run that procedure (docs/deploying.md, Origin verification), a rotation Lambda could not",
        )
