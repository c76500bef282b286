"""The CDK app in infra/, synthesised in-process (no `cdk` CLI, no AWS account) over placeholder
Lambda bundles. cdk-nag's AWS Solutions rules run at every synth: an unacknowledged finding fails
it. The synthesised templates must pass cfn-lint. Two configurations: `prod` with every optional
setting, and the default `dev`."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from core.store import schema

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
REPO = Path(__file__).parent.parent
INFRA = REPO / "infra"
sys.path.append(str(INFRA))  # after everything else: infra/app.py must not shadow `app`

from stacks.handlers import (  # noqa: E402
    API_HANDLER,
    COLLECTOR_HANDLER,
    PROBE_HANDLER,
    RENDER_HANDLER,
    ROUTES,
)

if TYPE_CHECKING:
    from aws_cdk.assertions import Template

# The CDK is imported inside the tests, not here: every xdist worker collects this module, and
# only the one that runs it (`make test` hands a whole file to one worker) should pay its ~3 s.
pytestmark = [
    pytest.mark.infra,
    pytest.mark.skipif(not importlib.util.find_spec("aws_cdk"), reason="needs the infra extra"),
]

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d"
PROD = {
    "stage": "prod",
    "domain_name": "dctech.events",
    "certificate_arn": CERTIFICATE,
    "alarm_email": "ops@example.org",
    "failed_feed_alarm_percent": "25",  # the CLI passes every -c value as a string
}
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS managed cache policy
WRITE_PATHS = ("/api/submissions", "/auth/*", "/submit*")  # the write path (api/write.py)
# Allowed wildcard-resource actions: those AWS offers no resource-level permission for.
NO_RESOURCE_LEVEL: set[str] = set()


@dataclass
class Synth:
    outdir: Path
    data: Template
    service: Template

    @property
    def templates(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.data.find_resources(kind) | self.service.find_resources(kind)


def cdk_context(**extra: str) -> dict[str, Any]:
    """What the CLI would pass: cdk.json's context plus -c options."""
    return json.loads((INFRA / "cdk.json").read_text())["context"] | extra


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> Path:
    """Tiny stand-ins for build/lambda: synth only hashes and copies them."""
    root = tmp_path_factory.mktemp("bundles")
    for name in ("collector", "render", "api"):
        (root / name).mkdir()
        (root / name / "placeholder.txt").write_text(name)
    return root


def synthesise(outdir: Path, bundles: Path, **context: str) -> Synth:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template
    from stacks.stages import build

    app = cdk.App(outdir=str(outdir), context=cdk_context(bundle_dir=str(bundles), **context))
    data, service = build(app)
    assembly = app.synth()  # raises if cdk-nag reports an unacknowledged finding
    template = lambda stack: Template.from_json(  # noqa: E731
        assembly.get_stack_by_name(stack.stack_name).template
    )
    return Synth(outdir, template(data), template(service))


@pytest.fixture(scope="module")
def prod(tmp_path_factory, bundles) -> Synth:
    return synthesise(tmp_path_factory.mktemp("prod"), bundles, **PROD)


def synthesise_with_the_cli_entry_point(outdir: Path, bundles: Path) -> Synth:
    """What `cdk synth` runs (cdk.json's app command), given context the way the CLI gives it."""
    from aws_cdk.assertions import Template

    app_command = json.loads((INFRA / "cdk.json").read_text())["app"]
    assert app_command == "python3 app.py"
    env = os.environ | {
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(cdk_context(bundle_dir=str(bundles))),
    }
    subprocess.run([sys.executable, "app.py"], cwd=INFRA, env=env, check=True)
    template = lambda stack: Template.from_json(  # noqa: E731
        json.loads((outdir / f"DCTechEvents-dev-{stack}.template.json").read_text())
    )
    return Synth(outdir, template("Data"), template("Service"))


@pytest.fixture(scope="module")
def dev(tmp_path_factory, bundles) -> Synth:
    """The dev stage, synthesised as `cdk synth` does it: app.py in a process of its own."""
    return synthesise_with_the_cli_entry_point(tmp_path_factory.mktemp("dev"), bundles)


def one(resources: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.items()))


def function(synth: Synth, handler: str) -> tuple[str, dict[str, Any]]:
    return one(
        synth.service.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": handler}})
    )


# --- the table ------------------------------------------------------------------------------


def test_the_events_table_is_the_one_schema(prod, dev):
    """What core/store/schema.py defines is what the stack synthesises, in both stages: the
    stack keeps no copy of its own (tests/test_schema.py pins the values themselves)."""
    wanted = schema.create_table_request() | {
        "TimeToLiveSpecification": {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    }
    for synth, name in ((prod, schema.TABLE_NAME), (dev, f"{schema.TABLE_NAME}-dev")):
        _, table = one(synth.data.find_resources("AWS::DynamoDB::Table"))
        found = {part: table["Properties"].get(part) for part in wanted}
        assert comparable(found) == comparable(wanted | {"TableName": name})


def comparable(table: dict[str, Any]) -> dict[str, Any]:
    """Attribute definitions in name order: their order means nothing."""
    return table | {
        "AttributeDefinitions": sorted(
            table["AttributeDefinitions"], key=lambda a: a["AttributeName"]
        )
    }


def test_prod_data_is_protected_and_dev_data_is_disposable(prod, dev):
    _, table = one(prod.data.find_resources("AWS::DynamoDB::Table"))
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    _, table = one(dev.data.find_resources("AWS::DynamoDB::Table"))
    assert table["Properties"]["TableName"] == "DCTechEvents-dev"
    assert not table["Properties"].get("DeletionProtectionEnabled")
    assert table["DeletionPolicy"] == "Delete"
    for synth, policy in ((prod, "Retain"), (dev, "Delete")):
        for bucket in synth.service.find_resources("AWS::S3::Bucket").values():
            assert bucket["DeletionPolicy"] == policy


# --- the site: bucket and CloudFront --------------------------------------------------------


def site_bucket(synth: Synth) -> tuple[str, dict[str, Any]]:
    return one(
        synth.service.find_resources(
            "AWS::S3::Bucket",
            {"Properties": {"LoggingConfiguration": {"LogFilePrefix": "s3/site/"}}},
        )
    )


def test_the_site_bucket_is_private_encrypted_and_tls_only(prod):
    name, bucket = site_bucket(prod)
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    _, policy = one(
        prod.service.find_resources(
            "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": name}}}
        )
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }.items() <= next(s for s in statements if s["Effect"] == "Deny").items()
    # Only CloudFront reads it, and only for our distribution (Origin Access Control).
    (reader,) = [s for s in statements if s["Effect"] == "Allow"]
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reader["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in reader["Condition"]["StringEquals"]
    _, oac = one(prod.service.find_resources("AWS::CloudFront::OriginAccessControl"))
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"


def distribution(synth: Synth) -> dict[str, Any]:
    _, resource = one(synth.service.find_resources("AWS::CloudFront::Distribution"))
    return resource["Properties"]["DistributionConfig"]


def behaviours(synth: Synth) -> dict[str, dict[str, Any]]:
    config = distribution(synth)
    return {"default": config["DefaultCacheBehavior"]} | {
        b["PathPattern"]: b for b in config["CacheBehaviors"]
    }


def cache_policy(synth: Synth, behaviour: dict[str, Any]) -> dict[str, Any]:
    ref = behaviour["CachePolicyId"]["Ref"]
    return synth.service.to_json()["Resources"][ref]["Properties"]["CachePolicyConfig"]


def test_cloudfront_serves_https_only_over_http2_and_3_compressed(prod):
    config = distribution(prod)
    assert config["HttpVersion"] == "http2and3"
    for behaviour in behaviours(prod).values():
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behaviour["Compress"] is True
    assert config["Logging"]["Prefix"] == "cloudfront/"


def test_cloudfront_maps_missing_pages_to_the_404_page(prod):
    assert distribution(prod)["CustomErrorResponses"] == [
        {
            "ErrorCode": 403,
            "ResponseCode": 404,
            "ResponsePagePath": "/404.html",
            "ErrorCachingMinTTL": 300,
        }
    ]


def test_cache_policies_pages_short_css_long_api_from_origin(prod):
    paths = behaviours(prod)
    assert set(paths) == {
        "default", "/static/*", "/newsletter.html", "/search/*", "/api/*", *WRITE_PATHS
    }  # fmt: skip
    pages = cache_policy(prod, paths["default"])
    assert pages["DefaultTTL"] == 300 and pages["MaxTTL"] == 3600
    assert paths["/newsletter.html"]["CachePolicyId"] == paths["default"]["CachePolicyId"]
    assert paths["/search/*"]["CachePolicyId"] == paths["default"]["CachePolicyId"]
    assert paths["/static/*"]["CachePolicyId"] == CACHING_OPTIMIZED  # up to a year
    api = cache_policy(prod, paths["/api/*"])
    assert api["DefaultTTL"] == 0 and api["MinTTL"] == 0  # the API's Cache-Control decides
    params = api["ParametersInCacheKeyAndForwardedToOrigin"]
    assert params["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert paths["/api/*"]["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert paths["/api/*"]["AllowedMethods"] == ["GET", "HEAD", "OPTIONS"]


def test_api_paths_go_to_the_api_gateway_stage_and_the_rest_to_s3(prod):
    origins = {o["Id"]: o for o in distribution(prod)["Origins"]}
    paths = behaviours(prod)
    api = origins[paths["/api/*"]["TargetOriginId"]]
    rest_api, _ = one(prod.service.find_resources("AWS::ApiGateway::RestApi"))
    stage, _ = one(prod.service.find_resources("AWS::ApiGateway::Stage"))
    assert json.dumps({"Ref": rest_api}) in json.dumps(api["DomainName"])
    assert json.dumps({"Ref": stage}) in json.dumps(api["OriginPath"])  # i.e. "/live"
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    for path in ("default", "/static/*", "/newsletter.html", "/search/*"):
        assert "S3OriginConfig" in origins[paths[path]["TargetOriginId"]]


def test_only_page_requests_run_the_directory_index_function(prod):
    paths = behaviours(prod)
    pages = ("default", "/search/*")  # /search/ is a directory URL too
    for path in pages:
        assert [a["EventType"] for a in paths[path]["FunctionAssociations"]] == ["viewer-request"]
    assert all("FunctionAssociations" not in b for p, b in paths.items() if p not in pages)
    _, fn = one(prod.service.find_resources("AWS::CloudFront::Function"))
    assert fn["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/", {"uri": "/index.html"}),
        ("/virtual/", {"uri": "/virtual/index.html"}),
        ("/week/2026-W49/", {"uri": "/week/2026-W49/index.html"}),
        ("/week/2026-W49", {"statusCode": 301, "location": "/week/2026-W49/"}),
        ("/locations/DC", {"statusCode": 301, "location": "/locations/DC/"}),
        ("/events.ics", {"uri": "/events.ics"}),
        ("/static/site.0123456789ab.css", {"uri": "/static/site.0123456789ab.css"}),
        ("/groups/pydc/events.ics", {"uri": "/groups/pydc/events.ics"}),
    ],
)
def test_directory_index_function(uri, expected):
    """Runs the CloudFront Function's code under node with a viewer-request event."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    code = (INFRA / "stacks" / "url_rewrite.js").read_text()
    probe = code + (
        f"\nvar r = handler({{request: {{uri: {json.dumps(uri)}, headers: {{}}}}}});"
        "\nconsole.log(JSON.stringify(r.statusCode ? {statusCode: r.statusCode,"
        " location: r.headers.location.value} : {uri: r.uri}));"
    )
    result = subprocess.run([node, "-e", probe], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == expected


def headers_policy(synth: Synth, behaviour: dict[str, Any]) -> dict[str, Any]:
    ref = behaviour["ResponseHeadersPolicyId"]["Ref"]
    config = synth.service.to_json()["Resources"][ref]["Properties"]
    return config["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]


def csp(synth: Synth, behaviour: dict[str, Any]) -> dict[str, str]:
    policy = headers_policy(synth, behaviour)["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    return dict(d.strip().split(" ", 1) for d in policy.split(";"))


def test_security_headers_on_every_response(prod):
    for path, behaviour in behaviours(prod).items():
        headers = headers_policy(prod, behaviour)
        assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 365 * 86400
        assert headers["ContentTypeOptions"] == {"Override": True}
        assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
        assert headers["FrameOptions"]["FrameOption"] == "DENY"
        policy = csp(prod, behaviour)
        assert policy["default-src"] == "'self'"
        # No script anywhere but on /search/: its own and Pagefind's, and Pagefind's WebAssembly.
        scripts = "'self' 'wasm-unsafe-eval'" if path == "/search/*" else "'none'"
        assert policy["script-src"] == scripts, path
    # Our own stylesheet only; the email-ready newsletter alone may carry inline styles.
    paths = behaviours(prod)
    assert csp(prod, paths["default"])["style-src"] == "'self'"
    assert csp(prod, paths["/newsletter.html"])["style-src"] == "'self' 'unsafe-inline'"


def test_dctech_serve_sends_the_content_security_policy_cloudfront_sends(prod):
    from generator.preview import content_security_policy

    paths = behaviours(prod)
    for pattern, url in {
        "default": "/topics/ai/",
        "/newsletter.html": "/newsletter.html",
        "/static/*": "/static/site.0123456789ab.css",
        "/search/*": "/search/pagefind/pagefind-worker.js",  # the worker: its own policy
    }.items():
        policy = headers_policy(prod, paths[pattern])["ContentSecurityPolicy"]
        assert content_security_policy(url) == policy["ContentSecurityPolicy"], pattern
    assert content_security_policy("/search/") == content_security_policy("/search/search.js")
    for pattern, url in {
        "/api/submissions": "/api/submissions",
        "/auth/*": "/auth/callback",
        "/submit*": "/submit-group/",
        "/api/*": "/api/events",
    }.items():
        policy = headers_policy(prod, paths[pattern])["ContentSecurityPolicy"]
        given = content_security_policy(url, "https://dctech.events")  # prod's custom domain
        assert given == policy["ContentSecurityPolicy"], pattern


def test_custom_domain_uses_the_certificate_and_modern_tls(prod, dev):
    config = distribution(prod)
    assert config["Aliases"] == ["dctech.events"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert "Aliases" not in distribution(dev)
    _, render = function(prod, RENDER_HANDLER)
    assert render["Properties"]["Environment"]["Variables"]["DCTECH_BASE_URL"] == (
        "https://dctech.events"
    )


# --- the Lambda functions and the daily job -------------------------------------------------


@pytest.mark.parametrize("handler", [COLLECTOR_HANDLER, RENDER_HANDLER, API_HANDLER, PROBE_HANDLER])
def test_every_function_is_python_312_arm64_with_json_logs_kept_90_days(prod, handler):
    _, fn = function(prod, handler)
    props = fn["Properties"]
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["arm64"]
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["LoggingConfig"]["ApplicationLogLevel"] == "INFO"
    group = prod.service.to_json()["Resources"][props["LoggingConfig"]["LogGroup"]["Ref"]]
    assert group["Properties"]["RetentionInDays"] == 90
    # single-threaded code: one vCPU (1,769 MB) is all it uses; the render needs the memory
    most = 3008 if handler == RENDER_HANDLER else 1769
    assert 128 < props["MemorySize"] <= most
    assert props["Timeout"] >= 10


def test_the_collector_never_overlaps_and_the_render_gets_more_memory(prod):
    _, collector = function(prod, COLLECTOR_HANDLER)
    _, render = function(prod, RENDER_HANDLER)
    assert collector["Properties"]["ReservedConcurrentExecutions"] == 1
    assert collector["Properties"]["Timeout"] == 900
    # a part of a 200,000-event calendar holds ~2.3 GB (bench/system.py, docs/scaling.md)
    assert render["Properties"]["MemorySize"] == 3008 > collector["Properties"]["MemorySize"]
    assert "ReservedConcurrentExecutions" not in render["Properties"]


def test_function_environments(prod):
    from aws_cdk.assertions import Match

    store = {"Fn::Join": ["", ["dynamodb://", Match.any_value()]]}
    bundled = {
        "DCTECH_STORE": store,
        "DCTECH_CONFIG": "/var/task/config.yaml",
    }
    render_id, _ = function(prod, RENDER_HANDLER)
    prod.service.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": COLLECTOR_HANDLER,
            "Environment": {"Variables": bundled | {"DCTECH_RENDER_FUNCTION": {"Ref": render_id}}},
        },
    )
    distribution_id, _ = one(prod.service.find_resources("AWS::CloudFront::Distribution"))
    prod.service.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": RENDER_HANDLER,
            "Environment": {
                "Variables": bundled
                | {
                    "DCTECH_BUCKET": {"Ref": site_bucket(prod)[0]},
                    "DCTECH_BASE_URL": "https://dctech.events",
                    "DCTECH_DISTRIBUTION_ID": {"Ref": distribution_id},
                }
            },
        },
    )
    prod.service.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": API_HANDLER, "Environment": {"Variables": {"DCTECH_STORE": store}}},
    )


def test_a_daily_rule_runs_the_collector_with_retries_and_a_dead_letter_queue(prod):
    collector_id, _ = function(prod, COLLECTOR_HANDLER)
    queue_id, _ = one(prod.service.find_resources("AWS::SQS::Queue"))
    _, rule = one(prod.service.find_resources("AWS::Events::Rule"))
    assert rule["Properties"]["ScheduleExpression"] == "cron(0 10 * * ? *)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [collector_id, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2


@pytest.mark.parametrize(("handler", "retries"), [(COLLECTOR_HANDLER, 1), (RENDER_HANDLER, 2)])
def test_async_runs_retry_then_land_in_the_dead_letter_queue(prod, handler, retries):
    function_id, _ = function(prod, handler)
    queue_id, _ = one(prod.service.find_resources("AWS::SQS::Queue"))
    prod.service.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": function_id},
            "MaximumRetryAttempts": retries,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}},
        },
    )


# --- the API --------------------------------------------------------------------------------


def api_paths(synth: Synth) -> dict[str, set[str]]:
    """Full path -> HTTP methods, read back from the REST API's resources and methods."""
    resources = synth.service.find_resources("AWS::ApiGateway::Resource")

    def path(resource_id: str) -> str:
        props = resources[resource_id]["Properties"]
        parent = props["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    methods: dict[str, set[str]] = {}
    for method in synth.service.find_resources("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        assert props["Integration"]["Type"] == "AWS_PROXY"
        methods.setdefault(path(props["ResourceId"]["Ref"]), set()).add(props["HttpMethod"])
    return methods


def test_the_rest_api_has_exactly_the_chalice_apps_routes(prod):
    import api.app

    chalice_routes = {path: set(methods) for path, methods in api.app.app.routes.items()}
    assert api_paths(prod) == chalice_routes
    assert set(ROUTES) == set(chalice_routes)


def test_chalice_dispatches_a_rest_proxy_event_by_its_route_template():
    """What API Gateway sends for GET /api/nope: Chalice must find the `/api/{name}` view."""
    import api.app

    event = {
        "resource": "/api/{name}",
        "path": "/api/nope",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"name": "nope"},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/api/{name}",
            "httpMethod": "GET",
            "path": "/live/api/nope",
            "stage": "live",
            "identity": {"sourceIp": "192.0.2.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
    response = api.app.app(event, None)
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["code"] == "not_found"


def test_the_api_stage_logs_access_and_errors_and_is_throttled(prod):
    _, stage = one(prod.service.find_resources("AWS::ApiGateway::Stage"))
    props = stage["Properties"]
    assert props["StageName"] == "live"
    assert json.loads(props["AccessLogSetting"]["Format"])["status"] == "$context.status"
    (settings,) = props["MethodSettings"]
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["ThrottlingRateLimit"] == 50


# --- IAM ------------------------------------------------------------------------------------


def policy_documents(synth: Synth) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every policy document in the templates: identity policies and resource policies."""
    for template in (synth.data, synth.service):
        for name, resource in template.to_json()["Resources"].items():
            props = resource.get("Properties", {})
            if "PolicyDocument" in props:
                yield name, props["PolicyDocument"]
            for inline in props.get("Policies", []):
                yield name, inline["PolicyDocument"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("stage", ["prod", "dev"])
def test_no_policy_allows_wildcard_actions_or_resources(stage, request):
    synth = request.getfixturevalue(stage)
    checked = 0
    for name, document in policy_documents(synth):
        for statement in document["Statement"]:
            if statement["Effect"] != "Allow":
                continue  # Deny "s3:*" on "*" without TLS is what we want
            checked += 1
            for action in as_list(statement["Action"]):
                assert action != "*" and not action.endswith(":*"), (name, action)
                if as_list(statement.get("Resource", [])) == ["*"]:
                    assert action in NO_RESOURCE_LEVEL, (name, action)
    assert checked >= 15  # the walk saw the policies (roles, buckets, queue)


def role_actions(synth: Synth, handler: str) -> dict[str, list[Any]]:
    """Action -> resources, over every policy attached to the function's role."""
    _, fn = function(synth, handler)
    role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    granted: dict[str, list[Any]] = {}
    for policy in synth.service.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            for action in as_list(statement["Action"]):
                granted.setdefault(action, []).extend(as_list(statement["Resource"]))
    return granted


LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
ON_FAILURE = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}


def test_the_api_may_read_and_write_only_its_own_records_and_read_its_secret(prod):
    granted = role_actions(prod, API_HANDLER)
    records = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert set(granted) == LOGS | records | {
        "dynamodb:Query",
        "dynamodb:GetItem",
        "secretsmanager:GetSecretValue",
        "lambda:InvokeFunction",
        "s3:ListBucket",  # the content bucket, for the topics (test below)
        "s3:GetObject",
    }
    secrets = prod.service.find_resources("AWS::SecretsManager::Secret")
    assert sorted(granted["secretsmanager:GetSecretValue"], key=str) == sorted(
        ({"Ref": secret} for secret in secrets), key=str
    )  # the OAuth secret and the origin secret, by name: never another
    probe, _ = function(prod, PROBE_HANDLER)
    assert granted["lambda:InvokeFunction"] == [{"Fn::GetAtt": [probe, "Arn"]}]
    _, fn = function(prod, API_HANDLER)
    role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    writes = [
        st
        for policy in prod.service.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for st in policy["Properties"]["PolicyDocument"]["Statement"]
        if records & set(as_list(st["Action"]))
    ]
    (statement,) = writes  # one statement, limited to the record keys: never an event
    assert set(as_list(statement["Action"])) == records
    leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert leading == ["_record#*"]


def test_cloudfront_proves_to_the_api_that_a_request_came_through_it(prod):
    """Every request CloudFront forwards to the API carries the origin secret, resolved by
    CloudFormation at deploy (never in the template), and the API reads the same secret."""
    from api.abuse import ORIGIN_HEADER

    origins = {o["Id"]: o for o in distribution(prod)["Origins"]}
    paths = behaviours(prod)
    api_origins = {
        paths[p]["TargetOriginId"] for p in ("/api/*", "/api/submissions", "/auth/*", "/submit*")
    }
    (origin_id,) = api_origins  # one API origin, so no path forgets the header
    (header,) = origins[origin_id]["OriginCustomHeaders"]
    assert header["HeaderName"].lower() == ORIGIN_HEADER
    reference = json.dumps(header["HeaderValue"])
    assert "{{resolve:secretsmanager:" in reference
    secret = next(
        name
        for name, found in prod.service.find_resources("AWS::SecretsManager::Secret").items()
        if "CloudFront" in found["Properties"]["Description"]
    )
    assert json.dumps({"Ref": secret}) in reference
    _, fn = function(prod, API_HANDLER)
    variables = fn["Properties"]["Environment"]["Variables"]
    assert variables["DCTECH_ORIGIN_SECRET_ARN"] == {"Ref": secret}


def test_the_write_path_takes_post_uncached_and_forms_post_only_to_it(prod):
    paths = behaviours(prod)
    order = [b["PathPattern"] for b in distribution(prod)["CacheBehaviors"]]
    assert order.index("/api/submissions") < order.index("/api/*"), "the first match wins"
    for path, behaviour in paths.items():
        posts = "POST" in behaviour.get("AllowedMethods", ["GET", "HEAD"])  # the default
        assert posts == (path in ("/api/submissions", "/auth/*")), path
    for path in WRITE_PATHS:
        assert paths[path]["CachePolicyId"] == CACHING_DISABLED
        request_policy = prod.service.to_json()["Resources"][
            paths[path]["OriginRequestPolicyId"]["Ref"]
        ]
        config = request_policy["Properties"]["OriginRequestPolicyConfig"]
        assert config["CookiesConfig"]["CookieBehavior"] == "all"
        headers = config["HeadersConfig"]["Headers"]
        assert "CloudFront-Viewer-Address" in headers and "Host" not in headers
        form_action = csp(prod, paths[path])["form-action"].split()
        assert form_action == [
            "https://dctech.events/api/submissions",
            "https://dctech.events/auth/logout",
        ]
    assert csp(prod, paths["default"])["form-action"] == "'self'"


def test_the_probe_runs_the_collector_bundle_without_table_access(prod):
    _, probe = function(prod, PROBE_HANDLER)
    assert probe["Properties"]["Timeout"] == 30
    assert not any(a.startswith("dynamodb:") for a in role_actions(prod, PROBE_HANDLER))
    _, api_fn = function(prod, API_HANDLER)
    variables = api_fn["Properties"]["Environment"]["Variables"]
    assert variables["DCTECH_OAUTH_CALLBACK_URL"] == "https://dctech.events/auth/callback"
    assert {"DCTECH_GITHUB_SECRET_ARN", "DCTECH_PROBE_FUNCTION"} <= set(variables)


def test_the_render_may_query_write_the_bucket_and_invalidate_its_distribution(prod):
    granted = role_actions(prod, RENDER_HANDLER)
    assert set(granted) == LOGS | ON_FAILURE | {
        "dynamodb:Query",
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "cloudfront:CreateInvalidation",
        "lambda:InvokeFunction",  # itself: the first invocation fans out one per part
    }
    render_id, _ = function(prod, RENDER_HANDLER)
    assert granted["lambda:InvokeFunction"] == [{"Fn::GetAtt": [render_id, "Arn"]}]
    bucket, _ = site_bucket(prod)
    assert {"Fn::GetAtt": [bucket, "Arn"]} in granted["s3:ListBucket"]  # and the content's
    assert granted["s3:PutObject"] == [{"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]}]
    distribution_id, _ = one(prod.service.find_resources("AWS::CloudFront::Distribution"))
    (invalidation,) = granted["cloudfront:CreateInvalidation"]
    assert invalidation["Fn::Join"][1][-2:] == [":distribution/", {"Ref": distribution_id}]
    # Query on the table and on the two named indexes, never index/*.
    indexes = json.dumps(granted["dynamodb:Query"])
    assert "/index/DateIndex" in indexes and "/index/GroupIndex" in indexes
    assert "index/*" not in indexes


def test_the_collector_may_read_and_write_the_table_and_invoke_the_render(prod):
    granted = role_actions(prod, COLLECTOR_HANDLER)
    render_id, _ = function(prod, RENDER_HANDLER)
    dynamodb = {a for a in granted if a.startswith("dynamodb:")}
    content = {"s3:ListBucket", "s3:GetObject"}  # the content bucket's (test below)
    assert set(granted) == LOGS | ON_FAILURE | dynamodb | content | {"lambda:InvokeFunction"}
    assert granted["lambda:InvokeFunction"] == [{"Fn::GetAtt": [render_id, "Arn"]}]
    assert "dynamodb:Scan" not in dynamodb  # listings are key-condition queries, always


def test_the_collector_may_call_every_dynamodb_operation_the_store_uses(prod):
    """core/store/dynamodb.py goes through `_call("op", ...)` and `_batch("op", ...)`: a new
    operation there must come with its permission here, or production fails with AccessDenied."""
    source = (REPO / "core" / "store" / "dynamodb.py").read_text()
    used = set(re.findall(r"_(?:call|batch)\(\s*\"(\w+)\"", source))
    assert {"query", "batch_write_item"} <= used  # the pattern still finds the calls
    camel = {"dynamodb:" + "".join(w.capitalize() for w in op.split("_")) for op in used}
    assert camel <= set(role_actions(prod, COLLECTOR_HANDLER))


# --- alarms ---------------------------------------------------------------------------------


def alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmDescription"]: a["Properties"]
        for a in synth.service.find_resources("AWS::CloudWatch::Alarm").values()
    }


def test_alarms_notify_the_topic_and_its_email_subscriber(prod):
    topic_id, _ = one(prod.service.find_resources("AWS::SNS::Topic"))
    found = alarms(prod)
    assert len(found) == 7
    for alarm in found.values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["TreatMissingData"] == "notBreaching"
    prod.service.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": "ops@example.org", "TopicArn": {"Ref": topic_id}},
    )


def test_without_an_email_the_topic_has_no_subscriber(dev):
    dev.service.resource_count_is("AWS::SNS::Subscription", 0)


def expression(alarm: dict[str, Any]) -> str:
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
    return returned["Expression"]


def test_error_rate_alarms_use_metric_math(prod):
    found = alarms(prod)
    for name in ("collector", "render", "api"):
        alarm = found[f"{name} Lambda: more than 5% of invocations failed"]
        assert alarm["Threshold"] == 5
        assert expression(alarm) == "IF(total > 0, 100 * errors / total, 0)"
        metrics = {
            m["Id"]: m["MetricStat"]["Metric"]["MetricName"]
            for m in alarm["Metrics"]
            if "MetricStat" in m
        }
        assert metrics == {"errors": "Errors", "total": "Invocations"}
    api = found["API: more than 1% of requests answered 5xx"]
    assert api["Threshold"] == 1
    assert {
        m["MetricStat"]["Metric"]["MetricName"] for m in api["Metrics"] if "MetricStat" in m
    } == {"5XXError", "Count"}


def test_throttle_alarm_covers_the_table_and_every_index(prod):
    alarm = alarms(prod)["DynamoDB: requests to the table or a GSI were throttled"]
    assert alarm["Threshold"] == 0 and expression(alarm) == "SUM(METRICS())"
    seen = {
        (
            m["MetricStat"]["Metric"]["MetricName"],
            next(
                (
                    d["Value"]
                    for d in m["MetricStat"]["Metric"]["Dimensions"]
                    if d["Name"] == "GlobalSecondaryIndexName"
                ),
                None,
            ),
        )
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }
    assert seen == {
        (f"{kind}ThrottleEvents", index)
        for kind in ("Read", "Write")
        for index in (None, *(i.name for i in schema.INDEXES))
    }


def test_failed_feed_alarm_reads_the_collectors_metric_at_the_configured_share(prod, dev):
    alarm = alarms(prod)["Collector: more than 25% of feeds failed"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("DCTechEvents", "FailedFeedShare")
    assert alarm["Threshold"] == 25 and alarm["Statistic"] == "Maximum"
    assert "Dimensions" not in alarm  # the collector's EMF record has none
    assert alarms(dev)["Collector: more than 20% of feeds failed"]["Threshold"] == 20


# --- the checks themselves ------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["prod", "dev"])
def test_every_cdk_nag_acknowledgement_gives_a_reason(stage, request):
    synth = request.getfixturevalue(stage)
    acknowledged = {}
    for metadata in synth.outdir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    acknowledged.update({(path, r): why for r, why in entry["data"].items()})
    assert len(acknowledged) >= 10
    short = {key: why for key, why in acknowledged.items() if len(why.split()) < 6}
    assert short == {}
    rules = {rule for _, rule in acknowledged}
    assert any("AwsSolutions-CFR4" in rule for rule in rules) == (stage == "dev")


def test_cdk_nag_fails_a_synth_with_an_unacknowledged_finding(tmp_path, bundles):
    """The guard behind the synth fixtures: build() wires cdk-nag in, and a finding nobody
    acknowledged stops the synth."""
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs
    from stacks.stages import build

    app = cdk.App(outdir=str(tmp_path), context=cdk_context(bundle_dir=str(bundles)))
    data, _ = build(app)
    sqs.Queue(data, "PlainQueue")  # no TLS enforcement, no DLQ: AwsSolutions-SQS3/SQS4
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = {
        (v["ruleName"], c["constructPath"])
        for r in report["pluginReports"]
        for v in r["violations"]
        for c in v["violatingConstructs"]
    }
    assert violations == {
        ("AwsSolutions-SQS3", "DCTechEvents-dev-Data/PlainQueue/Resource"),
        ("AwsSolutions-SQS4", "DCTechEvents-dev-Data/PlainQueue/Resource"),
    }


# cdk's Function always adds DependsOn on its role, which a GetAtt already implies.
CFN_LINT_IGNORED = ["W3005"]


@pytest.mark.parametrize("stage", ["prod", "dev"])
def test_cfn_lint_passes_on_the_synthesised_templates(stage, request):
    from cfnlint.api import ManualArgs, lint_file

    synth = request.getfixturevalue(stage)
    assert len(synth.templates) == 2
    config = ManualArgs(regions=["us-east-1"], ignore_checks=CFN_LINT_IGNORED)
    findings = [
        f"{template.name}: {match}"
        for template in synth.templates
        for match in lint_file(template, config=config)
    ]
    assert findings == []


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"stage": "Prod"}, "stage"),
        ({"domain_name": "dctech.events"}, "go together"),
        (
            {
                "domain_name": "x.org",
                "certificate_arn": CERTIFICATE.replace("us-east-1", "eu-west-1"),
            },
            "us-east-1",
        ),
        ({"failed_feed_alarm_percent": 0}, "failed_feed_alarm_percent"),
    ],
)
def test_settings_refuse_what_would_fail_at_deploy(settings, message):
    from stacks.settings import Settings

    with pytest.raises(ValueError, match=message):
        Settings(**settings)


def test_a_missing_bundle_says_how_to_build_it(tmp_path):
    from stacks.settings import Settings

    with pytest.raises(FileNotFoundError, match=r"build_lambda\.py"):
        Settings(bundle_dir=tmp_path).bundle("collector")


def test_the_cdk_cli_entry_point_synthesises_both_stacks(dev):
    assert [p.name for p in dev.templates] == [
        "DCTechEvents-dev-Data.template.json",
        "DCTechEvents-dev-Service.template.json",
    ]


def test_the_content_folders_are_deployed_to_a_private_bucket_the_lambdas_read(prod):
    deployments = prod.service.find_resources("Custom::CDKBucketDeployment")
    prefixes = sorted(d["Properties"]["DestinationBucketKeyPrefix"] for d in deployments.values())
    assert prefixes == [
        "_categories/",
        "_groups/",
        "_overrides/",
        "_recurring_events/",
        "_single_events/",
    ]
    buckets = {d["Properties"]["DestinationBucketName"]["Ref"] for d in deployments.values()}
    (content,) = buckets
    props = prod.service.to_json()["Resources"][content]["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    objects = {"Fn::Join": ["", [{"Fn::GetAtt": [content, "Arn"]}, "/*"]]}
    for handler in (COLLECTOR_HANDLER, RENDER_HANDLER, API_HANDLER):  # no bundle ships content
        granted = role_actions(prod, handler)
        assert {"Fn::GetAtt": [content, "Arn"]} in granted["s3:ListBucket"], handler
        assert objects in granted["s3:GetObject"], handler
        assert objects not in granted.get("s3:PutObject", []) + granted.get("s3:DeleteObject", [])
        _, fn = function(prod, handler)
        variables = fn["Properties"]["Environment"]["Variables"]
        assert variables["DCTECH_CONTENT_BUCKET"] == {"Ref": content}, handler
        assert not any(name.endswith("_DIR") for name in variables), "no bundled content"
