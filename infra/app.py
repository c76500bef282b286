"""The CDK app run by `cdk synth|diff|deploy` (see cdk.json); the stacks live in stacks/."""

import os

import aws_cdk as cdk
from stacks.stages import build

app = cdk.App()
build(
    app,
    env=cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
    ),
)
app.synth()
