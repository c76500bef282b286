"""Everything stateless around the table: API, site, daily job, alarms."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from stacks.api import Api
from stacks.content import Content
from stacks.jobs import Jobs
from stacks.monitoring import Monitoring
from stacks.settings import Settings
from stacks.submissions import Submissions
from stacks.website import Website


class ServiceStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: Settings,
        table: dynamodb.ITable,
        **kwargs,
    ) -> None:
        super().__init__(
            scope, id, description="DC Tech Events: site, API and the daily job", **kwargs
        )
        api = Api(self, "Api", settings=settings, table=table)
        submissions = Submissions(self, "Submissions", settings=settings, api=api.function)
        website = Website(
            self,
            "Website",
            settings=settings,
            api=api.rest_api,
            origin_secret=submissions.origin_secret,
        )
        jobs = Jobs(
            self,
            "Jobs",
            settings=settings,
            table=table,
            bucket=website.bucket,
            distribution=website.distribution,
            site_url=website.url,
        )
        content = Content(self, "Content", settings=settings, logs=website.logs)
        for reader in (jobs.collector, jobs.render, api.function):  # no bundle ships content
            content.grant_read(reader)
        monitoring = Monitoring(
            self,
            "Monitoring",
            settings=settings,
            functions={"collector": jobs.collector, "render": jobs.render, "api": api.function},
            table=table,
            api=api.rest_api,
            dead_letters=jobs.dead_letters,
        )
        for name, value in (
            ("SiteUrl", website.url),
            ("DistributionId", website.distribution.distribution_id),
            ("SiteBucket", website.bucket.bucket_name),
            ("ContentBucket", content.bucket.bucket_name),
            ("CollectorFunction", jobs.collector.function_name),
            ("RenderFunction", jobs.render.function_name),
            ("DeadLetterQueue", jobs.dead_letters.queue_url),
            ("AlarmTopic", monitoring.topic.topic_arn),
        ):
            cdk.CfnOutput(self, name, value=value)
