"""Auth: the Cognito user pool whose tokens carry the tenant and role, and the frontend's app client."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from cdk_app.config import DeploymentConfig
from cdk_app.nag import suppress
from cdk_app.naming import Naming
from stacks.base import AppStack

TENANT_ATTRIBUTE = "tenant_id"  # custom:tenant_id
ROLE_ATTRIBUTE = "role"  # custom:role (admin | user | exhibitor)


class AuthStack(AppStack):
    def __init__(self, scope: Construct, stack_name: str, *, config: DeploymentConfig, naming: Naming) -> None:
        super().__init__(scope, stack_name, config=config, naming=naming, description="Cognito user pool")
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=naming.resource_prefix,
            # Admins invite users (AdminCreateUser sets the tenant); nobody signs up into a tenant.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            custom_attributes={
                # A user never moves between tenants.
                TENANT_ATTRIBUTE: cognito.StringAttribute(min_len=36, max_len=36, mutable=False),
                ROLE_ATTRIBUTE: cognito.StringAttribute(min_len=4, max_len=16, mutable=True),
            },
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=config.is_production_like,
            removal_policy=self.removal_policy,
        )
        suppress(
            self.user_pool,
            "AwsSolutions-COG2",
            "MFA is optional by product decision (issue 3); threat protection in full-function mode blocks risky "
            "sign-ins and tenants can require MFA for their admins",
        )

        # The frontend may read the tenant and role but never write them: otherwise a user could
        # promote themselves with UpdateUserAttributes.
        readable = cognito.ClientAttributes().with_standard_attributes(email=True, email_verified=True, fullname=True)
        readable = readable.with_custom_attributes(TENANT_ATTRIBUTE, ROLE_ATTRIBUTE)
        writable = cognito.ClientAttributes().with_standard_attributes(fullname=True)
        self.app_client = self.user_pool.add_client(
            "FrontendClient",
            user_pool_client_name=f"{naming.resource_prefix}-frontend",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=cdk.Duration.hours(1),
            access_token_validity=cdk.Duration.hours(1),
            refresh_token_validity=cdk.Duration.days(30),
            read_attributes=readable,
            write_attributes=writable,
        )
        self.issuer = f"https://cognito-idp.{config.region}.amazonaws.com/{self.user_pool.user_pool_id}"
        cdk.CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        cdk.CfnOutput(self, "AppClientId", value=self.app_client.user_pool_client_id)
        cdk.CfnOutput(self, "Issuer", value=self.issuer)
