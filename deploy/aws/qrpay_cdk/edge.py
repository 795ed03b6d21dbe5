"""The edge: AWS WAF web ACLs, the CloudFront distribution and its private S3 origin.

CloudFront takes its certificate and its web ACL from us-east-1 only, so those two live in
``EdgeStack`` (always in us-east-1); the distribution itself, the static bucket and the
DNS alias live in the primary regional stack and reference them across regions.

Requests reach the API only through CloudFront or from ``allowed_cidrs``: CloudFront sends
a secret (from Secrets Manager) in the ``Referer`` header of every API origin request and
the API Gateway resource policy denies any request without it from outside the allowed
ranges (see ``api.resource_policy``). The viewer's own ``Referer`` is not forwarded.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from qrpay_cdk.buckets import private_bucket

MANAGED_RULE_GROUPS: Final = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
# The common rule set blocks bodies over 8 KB; the app enforces its own limit (64 KB,
# QRPAY_REQUEST_BODY_BYTES_MAX), so that one rule only counts.
COUNT_ONLY_RULES: Final = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}
RATE_WINDOW_S: Final = 300
STATIC_PATH: Final = "/static/*"
ORIGIN_VERIFY_HEADER: Final = "Referer"


class WebFirewall(Construct):
    """A web ACL: a private-path block, AWS managed rule groups, a per-IP rate limit; its
    requests are logged to an encrypted log group."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        waf_scope: str,
        rate_limit: int,
        logs_key: kms.IKey,
        retention: logs.RetentionDays,
        removal: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        assert waf_scope in ("CLOUDFRONT", "REGIONAL")
        rules = [_block_metrics_rule(0)]
        for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1):
            rules.append(_managed_rule(group, priority))
        rules.append(_rate_rule(len(rules), rate_limit))
        label = f"{name}-{waf_scope.lower()}"
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=label,
            scope=waf_scope,
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(label),
            rules=rules,
        )
        log_group = logs.LogGroup(
            self,
            "Log",
            log_group_name=f"aws-waf-logs-{label}",  # the prefix WAF requires
            encryption_key=logs_key,
            retention=retention,
            removal_policy=removal,
        )
        wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[log_group.log_group_arn],
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(
                    single_header={"Name": "authorization"}
                ),
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(
                    single_header={"Name": "referer"}
                ),
            ],
        )

    @property
    def arn(self) -> str:
        return self.web_acl.attr_arn


class Cdn(Construct):
    """CloudFront: the API as the default origin, static assets from a private S3 bucket."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        api_origin: cloudfront.IOrigin,
        web_acl_arn: str,
        certificate: acm.ICertificate | None,
        domain_name: str | None,
        zone: route53.IHostedZone | None,
        key: kms.IKey,
        access_logs: s3.IBucket,
        removal: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        self.static_bucket = private_bucket(
            self,
            "Static",
            key=key,
            access_logs=access_logs,
            access_logs_prefix="s3/static/",
            removal=removal,
        )
        api_requests = cloudfront.OriginRequestPolicy(
            self,
            "ApiRequests",
            comment="qrpay API: every viewer header but Host and Referer, all cookies and queries",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.deny_list(
                "Host", ORIGIN_VERIFY_HEADER
            ),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.all(),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="qrpay: API and static assets",
            default_behavior=cloudfront.BehaviorOptions(
                origin=api_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=api_requests,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
            ),
            additional_behaviors={
                STATIC_PATH: cloudfront.BehaviorOptions(
                    origin=origins.S3BucketOrigin.with_origin_access_control(self.static_bucket),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                    response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
                    compress=True,
                )
            },
            web_acl_id=web_acl_arn,
            certificate=certificate,
            domain_names=[domain_name] if domain_name else None,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=access_logs,
            log_file_prefix="cloudfront/",
        )
        if zone is not None and domain_name is not None:
            alias = route53.RecordTarget.from_alias(targets.CloudFrontTarget(self.distribution))
            route53.ARecord(self, "Alias", zone=zone, record_name=domain_name, target=alias)
            route53.AaaaRecord(self, "AliasV6", zone=zone, record_name=domain_name, target=alias)

    @property
    def domain_name(self) -> str:
        return self.distribution.distribution_domain_name


def _managed_rule(group: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    overrides = [
        wafv2.CfnWebACL.RuleActionOverrideProperty(
            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
        )
        for rule in COUNT_ONLY_RULES.get(group, ())
    ]
    return wafv2.CfnWebACL.RuleProperty(
        name=group,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=group, rule_action_overrides=overrides or None
            )
        ),
        visibility_config=_visibility(group),
    )


def _rate_rule(priority: int, limit: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name="RatePerIp",
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit, aggregate_key_type="IP", evaluation_window_sec=RATE_WINDOW_S
            )
        ),
        visibility_config=_visibility("RatePerIp"),
    )


def _block_metrics_rule(priority: int) -> wafv2.CfnWebACL.RuleProperty:
    """``/metrics`` is for the sidecar inside the task, never for the internet."""
    return wafv2.CfnWebACL.RuleProperty(
        name="BlockMetricsPath",
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                positional_constraint="STARTS_WITH",
                search_string="/metrics",
                text_transformations=[
                    wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="URL_DECODE"),
                    wafv2.CfnWebACL.TextTransformationProperty(priority=1, type="LOWERCASE"),
                ],
            )
        ),
        visibility_config=_visibility("BlockMetricsPath"),
    )


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def certificate(
    scope: Construct, id: str, *, domain_name: str, zone: route53.IHostedZone
) -> acm.Certificate:
    """An ACM certificate validated by DNS records in the hosted zone."""
    return acm.Certificate(
        scope,
        id,
        domain_name=domain_name,
        validation=acm.CertificateValidation.from_dns(zone),
    )
