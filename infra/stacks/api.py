"""The Chalice app (api/app.py) on Lambda behind an API Gateway REST API: GET /api/events and
the write path (sign-in with GitHub, the submission forms, POST /api/submissions).

Built here rather than with `chalice.cdk`, which runs `chalice package` (and so needs the vendored
`core` and a few seconds) at every synth. The REST API mirrors what `chalice package` generates: one
resource per Chalice route, Lambda proxy integration, so the event carries the route template in
`requestContext.resourcePath` the way Chalice dispatches on it. ROUTES (stacks/handlers.py) must
match the app's routes (a test compares them).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.functions import LOG_RETENTION, bundled_function, grant_table
from stacks.handlers import API_HANDLER, ROUTES
from stacks.nag import acknowledge
from stacks.settings import Settings

# The API's own short-lived records (sessions, used nonces, rate counters): the only items it
# may write, by their key prefix (core/store/expressions.py RECORD_PREFIX).
RECORD_KEYS = "_record#*"
STAGE_NAME = "live"


class Api(Construct):
    def __init__(
        self, scope: Construct, id: str, *, settings: Settings, table: dynamodb.ITable
    ) -> None:
        super().__init__(scope, id)
        self.function = bundled_function(
            self,
            "Function",
            settings=settings,
            bundle="api",
            handler=API_HANDLER,
            memory_size=512,
            timeout=cdk.Duration.seconds(10),
            environment={"DCTECH_STORE": f"dynamodb://{table.table_name}"},
            description="DC Tech Events JSON API (Chalice)",
        )
        grant_table(self.function, table, ["Query", "GetItem"])
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                resources=[table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [RECORD_KEYS]}},
            )
        )

        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=LOG_RETENTION, removal_policy=settings.removal_policy
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{settings.prefix}-api",
            description="DC Tech Events: GET /api/events (reached through CloudFront)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Stage logging needs the account-wide API Gateway logging role: this creates it.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                throttling_rate_limit=50,  # requests/s past CloudFront's cache: plenty, and a cap
                throttling_burst_limit=100,
            ),
        )
        integration = apigw.LambdaIntegration(self.function, allow_test_invoke=False)
        for path, methods in ROUTES.items():
            for method in methods:
                self.rest_api.root.resource_for_path(path).add_method(method, integration)

        for rule, reason in (
            (
                "AwsSolutions-APIG2",
                "The app validates every parameter itself and answers 400 in"
                " the API's documented error shape; a gateway validator would answer differently.",
            ),
            (
                "AwsSolutions-APIG3",
                "Public data, and a write path with its own per-user and per-address rate"
                " limits, behind CloudFront with stage throttling; a WAF would cost more than"
                " the whole system.",
            ),
            (
                "AwsSolutions-APIG4",
                "Listings are public; the write path authorises in the app (GitHub sign-in,"
                " a session, a CSRF token), which API Gateway authorisers cannot express.",
            ),
            ("AwsSolutions-COG4", "Users sign in with GitHub (OAuth in the app): no user pool."),
            (
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                "The account-level API Gateway logging role"
                " uses the AWS policy made for it (logs actions only).",
            ),
        ):
            acknowledge(self.rest_api, rule, reason)
