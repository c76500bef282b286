"""The write path's resources: the OAuth app's secrets, the origin secret, and the probe that
reads a submitted group's feed once. The API function gets exactly what it needs of them.

The secret holds JSON ``{"client_secret": ..., "session_key": ...}``: CDK generates the session
key; the client secret is pasted in once after the first deploy (README, Operations). The probe
is the collector's bundle with its second handler: the collector's bounded fetch and sandboxed
parse, without the collector's table access or its reserved concurrency.

The origin secret is a random string CloudFront adds to every request it forwards to the API
(infra/stacks/website.py, ORIGIN_HEADER): the API trusts the visitor's address CloudFront sends
only beside it, because API Gateway's own endpoint is public and anyone could send that header.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.functions import TASK_ROOT, bundled_function
from stacks.handlers import PROBE_HANDLER
from stacks.nag import acknowledge
from stacks.settings import Settings

CALLBACK_PATH = "/auth/callback"


class Submissions(Construct):
    def __init__(
        self, scope: Construct, id: str, *, settings: Settings, api: lambda_.Function
    ) -> None:
        super().__init__(scope, id)
        self.secret = secretsmanager.Secret(
            self,
            "GitHubOAuth",
            description="DC Tech Events: GitHub OAuth client secret and the session key",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"client_secret": "paste the OAuth app secret here"}',
                generate_string_key="session_key",
                password_length=48,
                exclude_punctuation=True,
            ),
            removal_policy=settings.removal_policy,
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "GitHub issues the OAuth client secret: it is rotated on GitHub and pasted here;"
            " a rotation Lambda could not do that.",
        )
        self.origin_secret = secretsmanager.Secret(
            self,
            "OriginVerify",
            description="DC Tech Events: the header value CloudFront adds to requests to the API",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=48, exclude_punctuation=True
            ),
            removal_policy=settings.removal_policy,
        )
        acknowledge(
            self.origin_secret,
            "AwsSolutions-SMG4",
            "CloudFront's origin configuration holds the value from the deploy that set it:"
            " rotate it by replacing the secret and deploying, which a rotation Lambda cannot.",
        )
        self.probe = bundled_function(
            self,
            "Probe",
            settings=settings,
            bundle="collector",
            handler=PROBE_HANDLER,
            memory_size=512,
            timeout=cdk.Duration.seconds(30),
            environment={"DCTECH_CONFIG": f"{TASK_ROOT}/config.yaml"},
            description="DC Tech Events: read one submitted group's feed once",
        )
        api.add_environment("DCTECH_GITHUB_SECRET_ARN", self.secret.secret_arn)
        api.add_environment("DCTECH_ORIGIN_SECRET_ARN", self.origin_secret.secret_arn)
        api.add_environment("DCTECH_PROBE_FUNCTION", self.probe.function_name)
        for name, value in (
            ("DCTECH_GITHUB_CLIENT_ID", settings.github_client_id),
            ("DCTECH_SUBMISSIONS_REPO", settings.submissions_repo),
            (
                "DCTECH_OAUTH_CALLBACK_URL",
                f"https://{settings.domain_name}{CALLBACK_PATH}" if settings.domain_name else None,
            ),
        ):
            if value:
                api.add_environment(name, value)
        api.add_to_role_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.secret.secret_arn, self.origin_secret.secret_arn],
            )
        )
        api.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[self.probe.function_arn]
            )
        )
