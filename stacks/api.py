"""Api: the HTTP API itself (stage with throttling and access logs, CORS, the Cognito JWT authorizer).

Its routes and their functions live in the function stacks (stacks/functions.py), one per group of the
route table, which attach their routes to this API. Keeping the API here, alone, lets the edge depend on it
(the API's domain is the distribution's origin) while the functions depend on the edge (PUBLIC_BASE_URL is
the distribution), with no cycle; and the API's id and URL stay the same whatever moves between the
function stacks.
"""

from __future__ import annotations

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_app.config import DeploymentConfig
from cdk_app.function import retention
from cdk_app.naming import Naming
from stacks.auth import AuthStack
from stacks.base import AppStack

CORS_HEADERS = ["authorization", "content-type", "x-correlation-id"]
CORS_METHODS = [
    apigw.CorsHttpMethod.GET,
    apigw.CorsHttpMethod.POST,
    apigw.CorsHttpMethod.PUT,
    apigw.CorsHttpMethod.PATCH,
    apigw.CorsHttpMethod.DELETE,
]
ACCESS_LOG_FORMAT = apigw_v1.AccessLogFormat.json_with_standard_fields(
    caller=False,
    http_method=True,
    ip=True,
    protocol=True,
    request_time=True,
    resource_path=True,
    response_length=True,
    status=True,
    user=False,
)


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigw.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return ACCESS_LOG_FORMAT


class ApiStack(AppStack):
    def __init__(
        self, scope: Construct, stack_name: str, *, config: DeploymentConfig, naming: Naming, auth: AuthStack
    ) -> None:
        super().__init__(scope, stack_name, config=config, naming=naming, description="HTTP API")
        self.http_api = apigw.HttpApi(
            self,
            "HttpApi",
            api_name=naming.resource_prefix,
            description=f"OutreachPass {naming.stage} API",
            create_default_stage=False,
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=list(config.cors_origins),
                allow_headers=CORS_HEADERS,
                allow_methods=CORS_METHODS,
                expose_headers=["x-correlation-id"],
                max_age=cdk.Duration.hours(1),
            ),
        )
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=retention(config.log_retention_days), removal_policy=self.removal_policy
        )
        self.stage = apigw.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(
                rate_limit=config.throttling.rate_limit, burst_limit=config.throttling.burst_limit
            ),
            access_log_settings=_AccessLogSettings(access_logs),
        )
        self.api_domain = f"{self.http_api.api_id}.execute-api.{config.region}.{cdk.Aws.URL_SUFFIX}"
        # One authorizer object for every function stack: the first route that binds it creates it here,
        # under the API, and the others refer to that one.
        self.authorizer = authorizers.HttpJwtAuthorizer(
            "CognitoJwt",
            auth.issuer,
            jwt_audience=[auth.app_client.user_pool_client_id],
            authorizer_name="cognito-jwt",
        )
        cdk.CfnOutput(self, "ApiEndpoint", value=self.http_api.api_endpoint)
