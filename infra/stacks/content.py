"""The repository's content folders in a private bucket, deployed by CDK from the checkout and
read by the collector and the render at the start of each run, and by the API for its topics
(core/content.py): no Lambda bundle ships them, so adding a group is a merged pull request and a
content deploy (`cdk deploy`, or the workflow on merge to main), never a Lambda rebuild."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from stacks.nag import acknowledge
from stacks.settings import REPO, Settings

FOLDERS = ("_groups", "_categories", "_single_events", "_recurring_events", "_overrides")


class Content(Construct):
    def __init__(self, scope: Construct, id: str, *, settings: Settings, logs: s3.IBucket) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=logs,
            server_access_logs_prefix="s3/content/",
            removal_policy=settings.removal_policy,
        )
        for folder in FOLDERS:
            s3deploy.BucketDeployment(
                self,
                f"Deploy{folder.title().replace('_', '')}",
                sources=[s3deploy.Source.asset(str(REPO / folder))],
                destination_bucket=self.bucket,
                destination_key_prefix=f"{folder}/",
                prune=True,  # a file deleted from the repository leaves the bucket
                retain_on_delete=False,
                memory_limit=256,
            )
        self._acknowledge_deployer()

    def _acknowledge_deployer(self) -> None:
        """CDK's one BucketDeployment handler (a stack-level singleton) is AWS's code, not ours:
        its runtime, managed policy and its grants on the asset and content buckets are CDK's."""
        stack = cdk.Stack.of(self)
        deployers = [
            c for c in stack.node.children if c.node.id.startswith("Custom::CDKBucketDeployment")
        ]
        assert deployers, "the BucketDeployment handler moved: acknowledge it where it is"
        for rule, reason in (
            ("AwsSolutions-L1", "CDK's BucketDeployment handler: CDK chooses its runtime."),
            (
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "CDK's BucketDeployment handler logs with the AWS policy made for it.",
            ),
            *(
                (
                    f"AwsSolutions-IAM5[{finding}]",
                    "CDK's BucketDeployment handler copies the asset into the content bucket"
                    " and prunes it: CDK grants exactly these.",
                )
                for finding in (
                    "Action::s3:GetBucket*",
                    "Action::s3:GetObject*",
                    "Action::s3:List*",
                    "Action::s3:Abort*",
                    "Action::s3:DeleteObject*",
                    "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>"
                    "-<AWS::Region>/*",
                    f"Resource::<{_logical_arn(self.bucket)}>/*",
                )
            ),
        ):
            for deployer in deployers:
                acknowledge(deployer, rule, reason)

    def grant_read(self, function: lambda_.Function) -> None:
        """List and get, on this bucket only (not grant_read's s3:GetBucket* and s3:List*)."""
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects("*")]
            )
        )
        function.add_environment("DCTECH_CONTENT_BUCKET", self.bucket.bucket_name)
        acknowledge(
            function.role or function,
            f"AwsSolutions-IAM5[Resource::<{_logical_arn(self.bucket)}>/*]",
            "It reads the content files of the content bucket: no Lambda bundle ships them.",
        )


def _logical_arn(bucket: s3.IBucket) -> str:
    resource = bucket.node.default_child
    assert isinstance(resource, cdk.CfnResource)
    return f"{cdk.Stack.of(bucket).get_logical_id(resource)}.Arn"
