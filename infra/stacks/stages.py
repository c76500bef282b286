"""One stage of the CDK app: `build(app)` adds its two stacks, configured from the app's context."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.data import DataStack
from stacks.service import ServiceStack
from stacks.settings import Settings


def build(app: cdk.App, env: cdk.Environment | None = None) -> tuple[DataStack, ServiceStack]:
    """The data stack (the table) and the service stack (everything else), checked by cdk-nag's
    AWS Solutions rules at synth: an unacknowledged finding fails the synth."""
    settings = Settings.from_context(app.node)
    protect = {"env": env, "termination_protection": settings.prod}
    data = DataStack(app, f"{settings.prefix}-Data", settings=settings, **protect)
    service = ServiceStack(
        app, f"{settings.prefix}-Service", settings=settings, table=data.table, **protect
    )
    cdk.Tags.of(app).add("project", "dctech-events")
    cdk.Tags.of(app).add("stage", settings.stage)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return data, service
