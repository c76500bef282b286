"""The CDK app's stacks: `stacks.stages.build(app)` adds them; `stacks.handlers` names what they
deploy without loading the CDK."""
