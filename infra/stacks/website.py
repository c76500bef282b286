"""The site: a private bucket the render Lambda writes, served by CloudFront (which also routes
/api/* to the API), and a bucket for the access logs of both."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.nag import acknowledge
from stacks.settings import Settings

URL_REWRITE = Path(__file__).with_name("url_rewrite.js")
LOG_DAYS = 90
HTTPS = cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS


# The write path's behaviours (api/write.py's routes): reached with cookies, never cached. Only
# the first two take POST; the first precedes /api/* (CloudFront takes the first match).
SUBMISSIONS_PATH = "/api/submissions"
AUTH_PATHS = "/auth/*"
FORM_PATHS = "/submit*"  # /submit/ and /submit-group/
FORM_TARGETS = (SUBMISSIONS_PATH, "/auth/logout")  # where the write path's forms post
# What the app reads of a request; CloudFront-Viewer-Address is the visitor's address, for the
# per-address rate limit. Never Host: API Gateway answers only to its own.
WRITE_HEADERS = ("Accept", "Content-Type", "Origin", "Referer", "CloudFront-Viewer-Address")
# Added to every request forwarded to the API with the origin secret (stacks/submissions.py):
# the API trusts CloudFront-Viewer-Address only beside it (api/abuse.py ORIGIN_HEADER).
ORIGIN_HEADER = "X-Origin-Verify"


# The search page, its script and the Pagefind bundle: the one place with script, Pagefind's own
# (its worker included, which takes the policy its own response carries) and its WebAssembly.
SEARCH_PATHS = "/search/*"
SEARCH_SCRIPTS = "'self' 'wasm-unsafe-eval'"


def content_security_policy(
    style_src: str, form_action: str = "'self'", script_src: str = "'none'"
) -> str:
    """Our own stylesheet and nothing else: the pages need no script (but search), font or
    frame."""
    return "; ".join(
        (
            "default-src 'self'",
            f"style-src {style_src}",
            f"script-src {script_src}",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        )
    )


def form_action(domain_name: str | None) -> str:
    """Exactly the write path's form targets. A CSP source with a path needs the host, so a
    stage without a custom domain (its host is CloudFront's, unknown here) falls back to
    'self'."""
    if not domain_name:
        return "'self'"
    return " ".join(f"https://{domain_name}{path}" for path in FORM_TARGETS)


class Website(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: Settings,
        api: apigw.RestApi,
        origin_secret: secretsmanager.ISecret,
    ) -> None:
        super().__init__(scope, id)
        self.logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # CloudFront's standard logs are delivered with an ACL: the bucket must accept ACLs.
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(LOG_DAYS))],
            removal_policy=settings.removal_policy,
        )
        acknowledge(
            self.logs, "AwsSolutions-S1", "This is the access-log bucket: it does not log itself."
        )
        self.bucket = s3.Bucket(
            self,
            "Site",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="s3/site/",
            removal_policy=settings.removal_policy,
        )

        site = origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        headers = self._headers("SecurityHeaders", "'self'")
        page_cache = cloudfront.CachePolicy(
            self,
            "Pages",
            comment="Pages and feeds: minutes (Cache-Control from S3; the render invalidates)",
            default_ttl=cdk.Duration.minutes(5),
            min_ttl=cdk.Duration.seconds(0),
            max_ttl=cdk.Duration.hours(1),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        directory_index = cloudfront.Function(
            self,
            "DirectoryIndex",
            comment="Directory URLs -> index.html",
            code=cloudfront.FunctionCode.from_file(file_path=str(URL_REWRITE)),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        index_rewrite = [
            cloudfront.FunctionAssociation(
                event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                function=directory_index,
            )
        ]
        pages = cloudfront.BehaviorOptions(
            origin=site,
            viewer_protocol_policy=HTTPS,
            compress=True,
            cache_policy=page_cache,
            response_headers_policy=headers,
            function_associations=index_rewrite,
        )
        search = cloudfront.BehaviorOptions(
            origin=site,
            viewer_protocol_policy=HTTPS,
            compress=True,
            cache_policy=page_cache,
            response_headers_policy=self._headers(
                "SearchHeaders", "'self'", script_src=SEARCH_SCRIPTS
            ),
            function_associations=index_rewrite,
        )
        static = cloudfront.BehaviorOptions(
            origin=site,
            viewer_protocol_policy=HTTPS,
            compress=True,
            # Fingerprinted names (static/site.<hash>.css) never change: cache for a year.
            cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            response_headers_policy=headers,
        )
        newsletter = cloudfront.BehaviorOptions(
            origin=site,
            viewer_protocol_policy=HTTPS,
            compress=True,
            cache_policy=page_cache,
            # The email-ready newsletter carries its styles inline, as mail clients need.
            response_headers_policy=self._headers("NewsletterHeaders", "'self' 'unsafe-inline'"),
        )
        # The value is a dynamic reference CloudFormation resolves at deploy: not in the template.
        api_origin = origins.RestApiOrigin(
            api, custom_headers={ORIGIN_HEADER: origin_secret.secret_value.unsafe_unwrap()}
        )
        api_behavior = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=HTTPS,
            compress=True,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
            cache_policy=cloudfront.CachePolicy(
                self,
                "ApiResponses",
                comment="/api/*: the origin's Cache-Control decides; every query string counts",
                default_ttl=cdk.Duration.seconds(0),
                min_ttl=cdk.Duration.seconds(0),
                max_ttl=cdk.Duration.days(1),
                query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
                enable_accept_encoding_gzip=True,
                enable_accept_encoding_brotli=True,
            ),
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers,
        )

        write_requests = cloudfront.OriginRequestPolicy(
            self,
            "WritePathRequests",
            comment="Write path: its cookies, query strings and the headers the app reads",
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.all(),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(*WRITE_HEADERS),
        )
        write_headers = self._headers(
            "WritePathHeaders", "'self'", form_action(settings.domain_name)
        )

        def write_path(methods: cloudfront.AllowedMethods) -> cloudfront.BehaviorOptions:
            return cloudfront.BehaviorOptions(
                origin=api_origin,
                viewer_protocol_policy=HTTPS,
                allowed_methods=methods,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=write_requests,
                response_headers_policy=write_headers,
            )

        custom_domain = (
            {
                "domain_names": [settings.domain_name],
                "certificate": acm.Certificate.from_certificate_arn(
                    self, "Certificate", settings.certificate_arn
                ),
                "minimum_protocol_version": cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            }
            if settings.domain_name and settings.certificate_arn
            else {}
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{settings.prefix}: site and API",
            default_behavior=pages,
            additional_behaviors={
                SUBMISSIONS_PATH: write_path(cloudfront.AllowedMethods.ALLOW_ALL),
                AUTH_PATHS: write_path(cloudfront.AllowedMethods.ALLOW_ALL),
                FORM_PATHS: write_path(cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS),
                "/api/*": api_behavior,
                "/static/*": static,
                "/newsletter.html": newsletter,
                SEARCH_PATHS: search,
            },
            # A missing key reaches S3 as 403 (CloudFront may not list the bucket). The API never
            # answers 403, and its own 404s (JSON) pass through untouched.
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=403,
                    response_http_status=404,
                    response_page_path="/404.html",
                    ttl=cdk.Duration.minutes(5),
                )
            ],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
            **custom_domain,
        )
        self.url = f"https://{settings.domain_name or self.distribution.distribution_domain_name}"

        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "A public calendar for everyone: no reason to restrict by country.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "Static pages and a throttled read-only API: a WAF would cost more than the system.",
        )
        if not custom_domain:
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR4",
                "Without a custom domain CloudFront serves its default certificate, whose TLS"
                " policy cannot be raised; with one the minimum is TLS 1.2 (2021).",
            )

    def _headers(
        self, id: str, style_src: str, form_action: str = "'self'", script_src: str = "'none'"
    ) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            id,
            comment="HSTS, CSP (own CSS only), nosniff, referrer policy, no framing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(
                        style_src, form_action, script_src
                    ),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(730), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
            ),
        )
