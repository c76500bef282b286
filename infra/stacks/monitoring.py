"""The alarms of the design (docs/architecture.md), all to one SNS topic: Lambda error rate
> 5%, DynamoDB throttling, API 5xx > 1%, too many failed feeds in a collect run, and anything in
the dead-letter queue."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.data import INDEXES
from stacks.nag import acknowledge
from stacks.settings import Settings

FIVE_MINUTES = cdk.Duration.minutes(5)
NAMESPACE = "DCTechEvents"  # the collector's Embedded Metric Format records
ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
QUIET = cloudwatch.TreatMissingData.NOT_BREACHING  # no traffic or no run is not a failure


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: Settings,
        functions: dict[str, lambda_.IFunction],
        table: dynamodb.ITable,
        api: apigw.RestApi,
        dead_letters: sqs.IQueue,
    ) -> None:
        super().__init__(scope, id)
        self.topic = sns.Topic(
            self, "Alarms", display_name="DC Tech Events alarms", enforce_ssl=True
        )
        acknowledge(
            self.topic,
            "AwsSolutions-SNS2",
            "Alarm notifications carry no private data, and CloudWatch cannot publish to a topic"
            " encrypted with the AWS-managed key (a customer key would be the system's main cost).",
        )
        if settings.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        self._action = actions.SnsAction(self.topic)

        for name, function in functions.items():
            self._alarm(
                f"{name.capitalize()}Errors",
                f"{name} Lambda: more than 5% of invocations failed",
                _rate(function.metric_errors(), function.metric_invocations()),
                threshold=5,
            )
        self._alarm(
            "ApiServerErrors",
            "API: more than 1% of requests answered 5xx",
            _rate(
                api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
                api.metric_count(period=FIVE_MINUTES, statistic="Sum"),
            ),
            threshold=1,
        )
        self._alarm(
            "TableThrottles",
            "DynamoDB: requests to the table or a GSI were throttled",
            _throttles(table),
            threshold=0,
        )
        self._alarm(
            "FailedFeeds",
            f"Collector: more than {settings.failed_feed_alarm_percent:g}% of feeds failed",
            cloudwatch.Metric(
                namespace=NAMESPACE,
                metric_name="FailedFeedShare",
                statistic="Maximum",
                period=cdk.Duration.hours(1),
            ),
            threshold=settings.failed_feed_alarm_percent,
        )
        self._alarm(
            "FailedRuns",
            "A collect or render run failed for good (see the dead-letter queue)",
            dead_letters.metric_approximate_number_of_messages_visible(
                period=FIVE_MINUTES, statistic="Maximum"
            ),
            threshold=0,
        )

    def _alarm(
        self, id: str, description: str, metric: cloudwatch.IMetric, *, threshold: float
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            id,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=ABOVE,
            evaluation_periods=1,
            treat_missing_data=QUIET,
        )
        alarm.add_alarm_action(self._action)


def _rate(errors: cloudwatch.IMetric, total: cloudwatch.IMetric) -> cloudwatch.MathExpression:
    """errors / total in percent, 0 when there was no traffic at all."""
    return cloudwatch.MathExpression(
        expression="IF(total > 0, 100 * errors / total, 0)",
        using_metrics={"errors": errors, "total": total},
        label="error rate (%)",
        period=FIVE_MINUTES,
    )


def _throttles(table: dynamodb.ITable) -> cloudwatch.MathExpression:
    """Read and write throttle events on the table and on each GSI, summed."""
    metrics: dict[str, cloudwatch.IMetric] = {}
    for n, index in enumerate((None, *INDEXES)):
        dimensions = {"TableName": table.table_name}
        if index:
            dimensions["GlobalSecondaryIndexName"] = index
        for kind in ("Read", "Write"):
            metrics[f"{kind.lower()}{n}"] = cloudwatch.Metric(
                namespace="AWS/DynamoDB",
                metric_name=f"{kind}ThrottleEvents",
                dimensions_map=dimensions,
                statistic="Sum",
                period=FIVE_MINUTES,
            )
    return cloudwatch.MathExpression(
        expression="SUM(METRICS())",
        using_metrics=metrics,
        label="throttle events",
        period=FIVE_MINUTES,
    )
