"""The daily job: EventBridge runs the collector; the collector invokes the render asynchronously
with its run summary; the render writes the site into the bucket and invalidates CloudFront.
Runs that still fail after Lambda's retries land in one dead-letter queue."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.functions import TASK_ROOT, bundled_function, grant_table
from stacks.handlers import COLLECTOR_HANDLER, RENDER_HANDLER
from stacks.nag import acknowledge
from stacks.settings import Settings

# Everything core/store/dynamodb.py calls; never Scan (listings are key-condition queries).
COLLECTOR_TABLE_ACTIONS = (
    "Query",
    "GetItem",
    "BatchGetItem",
    "PutItem",
    "UpdateItem",
    "BatchWriteItem",
    "DeleteItem",  # the store's short-lived records (the API's); the collector holds that store
)


class Jobs(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: Settings,
        table: dynamodb.ITable,
        bucket: s3.IBucket,
        distribution: cloudfront.IDistribution,
        site_url: str,
    ) -> None:
        super().__init__(scope, id)
        self.dead_letters = sqs.Queue(
            self,
            "FailedRuns",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            self.dead_letters,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter destination of the collector and the render.",
        )
        on_failure = destinations.SqsDestination(self.dead_letters)
        # The content comes from the content bucket (stacks/content.py grants it), not the bundle.
        bundled_data = {
            "DCTECH_STORE": f"dynamodb://{table.table_name}",
            "DCTECH_CONFIG": f"{TASK_ROOT}/config.yaml",
        }

        self.render = bundled_function(
            self,
            "Render",
            settings=settings,
            bundle="render",
            handler=RENDER_HANDLER,
            # Each invocation renders one part of the site (its first fans out the others) and
            # holds every upcoming event: the site and group parts of a 200,000-event calendar
            # need ~2.3 GB (bench/system.py, docs/scaling.md), so 3,008 MB. The render is
            # single-threaded: from 1,769 MB it has its whole vCPU, so the rest buys memory
            # only (a typical day costs ~1 GB-s more: nothing, at Lambda's prices).
            memory_size=3008,
            timeout=cdk.Duration.minutes(15),
            environment={
                **bundled_data,
                "DCTECH_BUCKET": bucket.bucket_name,
                "DCTECH_BASE_URL": site_url,
                "DCTECH_DISTRIBUTION_ID": distribution.distribution_id,
            },
            description="DC Tech Events: render the site into S3",
            retry_attempts=2,
            max_event_age=cdk.Duration.hours(6),
            on_failure=on_failure,
        )
        grant_table(self.render, table, ["Query"])
        self.render.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
        )
        self.render.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[bucket.arn_for_objects("*")],
            )
        )
        distribution.grant_create_invalidation(self.render)
        # Its first invocation fans the render out, one asynchronous invocation of itself per
        # part of the site (generator/lambda_handler.py). A policy of its own: in the role's
        # default policy, the function's ARN would make the function depend on itself.
        assert self.render.role is not None
        iam.Policy(
            self,
            "RenderFanOut",
            roles=[self.render.role],
            statements=[
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"], resources=[self.render.function_arn]
                )
            ],
        )
        acknowledge(  # the finding is the render role's: its ID names the resource exactly
            self,
            f"AwsSolutions-IAM5[Resource::<{_logical_arn(bucket)}>/*]",
            "The render owns every object of the site bucket: it writes and prunes the whole site.",
        )

        self.collector = bundled_function(
            self,
            "Collector",
            settings=settings,
            bundle="collector",
            handler=COLLECTOR_HANDLER,
            memory_size=512,
            # A daily batch over every feed: the most Lambda allows, so slow feeds never cut it.
            timeout=cdk.Duration.minutes(15),
            environment={
                **bundled_data,
                "DCTECH_RENDER_FUNCTION": self.render.function_name,
            },
            description="DC Tech Events: collect every group's feed into the table",
            reserved_concurrent_executions=1,  # runs never overlap
            retry_attempts=1,
            max_event_age=cdk.Duration.hours(2),
            on_failure=on_failure,
        )
        grant_table(self.collector, table, COLLECTOR_TABLE_ACTIONS)
        self.collector.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[self.render.function_arn]
            )
        )

        self.schedule = events.Rule(
            self,
            "Daily",
            description="Run the collector once a day",
            schedule=events.Schedule.expression(settings.collect_schedule),
            targets=[
                targets.LambdaFunction(
                    self.collector,
                    dead_letter_queue=self.dead_letters,
                    retry_attempts=2,
                    max_event_age=cdk.Duration.hours(2),
                )
            ],
        )


def _logical_arn(bucket: s3.IBucket) -> str:
    """How cdk-nag spells the bucket's ARN in a finding: `<LogicalId.Arn>`."""
    bucket_resource = bucket.node.default_child
    assert isinstance(bucket_resource, cdk.CfnResource)
    return f"{cdk.Stack.of(bucket).get_logical_id(bucket_resource)}.Arn"
