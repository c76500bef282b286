"""Deployment settings, read from CDK context (`cdk deploy -c stage=prod -c alarm_email=...`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from constructs import Node

REPO = Path(__file__).resolve().parents[2]
STAGE = re.compile(r"[a-z][a-z0-9-]{0,19}")


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    bundle_dir: Path = REPO / "build" / "lambda"  # written by infra/build_lambda.py
    domain_name: str | None = None  # served by CloudFront with ...
    certificate_arn: str | None = None  # ... this ACM certificate (it must live in us-east-1)
    alarm_email: str | None = None  # subscribed to the alarm topic
    failed_feed_alarm_percent: float = 20.0  # alarm when a collect run fails more feeds
    collect_schedule: str = "cron(0 10 * * ? *)"  # daily, 5 or 6 am in Washington
    github_client_id: str | None = None  # the OAuth app behind "Sign in with GitHub"
    submissions_repo: str | None = None  # owner/name that submissions open pull requests on

    def __post_init__(self) -> None:
        if not STAGE.fullmatch(self.stage):
            raise ValueError(f"stage {self.stage!r}: lowercase letters, digits and '-'")
        if bool(self.domain_name) != bool(self.certificate_arn):
            raise ValueError("domain_name and certificate_arn go together: give both or neither")
        if self.certificate_arn and ":us-east-1:" not in self.certificate_arn:
            raise ValueError("CloudFront only takes ACM certificates from us-east-1")
        if not 0 < self.failed_feed_alarm_percent <= 100:
            raise ValueError("failed_feed_alarm_percent must be in (0, 100]")

    @classmethod
    def from_context(cls, node: Node) -> Settings:
        def get(key: str) -> str | None:
            value = node.try_get_context(key)
            return None if value in (None, "") else str(value)

        bundle_dir = get("bundle_dir")
        percent = get("failed_feed_alarm_percent")
        return cls(
            stage=get("stage") or cls.stage,
            bundle_dir=REPO / bundle_dir if bundle_dir else cls.bundle_dir,
            domain_name=get("domain_name"),
            certificate_arn=get("certificate_arn"),
            alarm_email=get("alarm_email"),
            failed_feed_alarm_percent=float(percent) if percent else cls.failed_feed_alarm_percent,
            collect_schedule=get("collect_schedule") or cls.collect_schedule,
            github_client_id=get("github_client_id"),
            submissions_repo=get("submissions_repo"),
        )

    @property
    def prod(self) -> bool:
        return self.stage == "prod"

    @property
    def prefix(self) -> str:
        """Names of stacks and of the table: `DCTechEvents` in prod, `DCTechEvents-<stage>` else."""
        return "DCTechEvents" if self.prod else f"DCTechEvents-{self.stage}"

    @property
    def removal_policy(self) -> cdk.RemovalPolicy:
        """Stateful resources outlive a deleted stack in prod; dev stacks clean up after them."""
        return cdk.RemovalPolicy.RETAIN if self.prod else cdk.RemovalPolicy.DESTROY

    def bundle(self, name: str) -> Path:
        path = self.bundle_dir / name
        if not path.is_dir():
            raise FileNotFoundError(
                f"{path} is missing: build the Lambda bundles first (python infra/build_lambda.py)"
            )
        return path
