"""The API entrance: API Gateway (REST, regional) with a resource policy and a web ACL,
a VPC link to an internal Network Load Balancer, and the NLB's target group that the API
service registers with (HTTP health checks on ``/readyz``).

The resource policy lets a request in when it comes from CloudFront (the origin-verify
secret in ``Referer``) or from one of ``allowed_cidrs``; everything else is denied before it
reaches the VPC.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from qrpay_cdk.edge import WebFirewall

APP_PORT: Final = 8000
NLB_PORT: Final = 80
STAGE: Final = "live"
READY_PATH: Final = "/readyz"
THROTTLE_RATE_RPS: Final = 1000
THROTTLE_BURST: Final = 2000
INTEGRATION_TIMEOUT: Final = Duration.seconds(29)


def resource_policy(origin_token: str, allowed_cidrs: tuple[str, ...]) -> iam.PolicyDocument:
    """Allow invocations; deny those that carry no origin token and come from elsewhere."""
    conditions: dict[str, object] = {"StringNotEquals": {"aws:Referer": origin_token}}
    if allowed_cidrs:
        conditions["NotIpAddress"] = {"aws:SourceIp": list(allowed_cidrs)}
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="Invoke",
                effect=iam.Effect.ALLOW,
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                resources=["execute-api:/*"],
            ),
            iam.PolicyStatement(
                sid="OnlyCloudFrontOrAllowedRanges",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                resources=["execute-api:/*"],
                conditions=conditions,
            ),
        ]
    )


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        origin_token: str,
        allowed_cidrs: tuple[str, ...],
        custom_domain: str | None,
        zone: route53.IHostedZone | None,
        rate_limit: int,
        logs_key: kms.IKey,
        retention: logs.RetentionDays,
        removal: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        self.nlb_security_group = ec2.SecurityGroup(
            self,
            "NlbSecurityGroup",
            vpc=vpc,
            description="qrpay internal NLB: HTTP from inside the VPC (VPC link, health checks)",
            allow_all_outbound=False,
        )
        self.nlb_security_group.add_ingress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(NLB_PORT), "HTTP from the VPC"
        )
        self.nlb = elbv2.NetworkLoadBalancer(
            self,
            "Nlb",
            vpc=vpc,
            vpc_subnets=subnets,
            internet_facing=False,
            cross_zone_enabled=True,
            security_groups=[self.nlb_security_group],
            enforce_security_group_inbound_rules_on_private_link_traffic=False,
        )
        self.target_group = elbv2.NetworkTargetGroup(
            self,
            "Targets",
            vpc=vpc,
            port=APP_PORT,
            protocol=elbv2.Protocol.TCP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                protocol=elbv2.Protocol.HTTP,
                path=READY_PATH,
                port=str(APP_PORT),
                healthy_http_codes="200",
                interval=Duration.seconds(10),
                timeout=Duration.seconds(5),
                healthy_threshold_count=2,
                unhealthy_threshold_count=2,
            ),
        )
        self.nlb.add_listener(
            "Http",
            port=NLB_PORT,
            protocol=elbv2.Protocol.TCP,
            default_target_groups=[self.target_group],
        )
        self.nlb_security_group.add_egress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(APP_PORT), "to the API tasks"
        )
        link = apigw.VpcLink(self, "VpcLink", targets=[self.nlb], description=f"{name} API")
        access_log = logs.LogGroup(
            self, "AccessLog", encryption_key=logs_key, retention=retention, removal_policy=removal
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{name}-api",
            description="qrpay HTTP API, proxied to the internal NLB",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            policy=resource_policy(origin_token, allowed_cidrs),
            binary_media_types=["*/*"],  # QR images pass through untouched
            disable_execute_api_endpoint=custom_domain is not None,
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                access_log_destination=apigw.LogGroupLogDestination(access_log),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request bodies carry payment data
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=THROTTLE_RATE_RPS,
                throttling_burst_limit=THROTTLE_BURST,
            ),
        )
        integration = apigw.Integration(
            type=apigw.IntegrationType.HTTP_PROXY,
            integration_http_method="ANY",
            uri=f"http://{self.nlb.load_balancer_dns_name}/{{proxy}}",
            options=apigw.IntegrationOptions(
                connection_type=apigw.ConnectionType.VPC_LINK,
                vpc_link=link,
                timeout=INTEGRATION_TIMEOUT,
                request_parameters={"integration.request.path.proxy": "method.request.path.proxy"},
            ),
        )
        root_integration = apigw.Integration(
            type=apigw.IntegrationType.HTTP_PROXY,
            integration_http_method="ANY",
            uri=f"http://{self.nlb.load_balancer_dns_name}/",
            options=apigw.IntegrationOptions(
                connection_type=apigw.ConnectionType.VPC_LINK,
                vpc_link=link,
                timeout=INTEGRATION_TIMEOUT,
            ),
        )
        self.rest_api.root.add_method("ANY", root_integration)
        self.rest_api.root.add_resource("{proxy+}").add_method(
            "ANY", integration, request_parameters={"method.request.path.proxy": True}
        )
        self.firewall = WebFirewall(
            self,
            "Firewall",
            name=name,
            waf_scope="REGIONAL",
            rate_limit=rate_limit,
            logs_key=logs_key,
            retention=retention,
            removal=removal,
        )
        wafv2.CfnWebACLAssociation(
            self,
            "FirewallOnStage",
            resource_arn=self.rest_api.deployment_stage.stage_arn,
            web_acl_arn=self.firewall.arn,
        )
        self.domain: apigw.DomainName | None = None
        if custom_domain is not None and zone is not None:
            self.domain = apigw.DomainName(
                self,
                "Domain",
                domain_name=custom_domain,
                certificate=acm.Certificate(
                    self,
                    "Certificate",
                    domain_name=custom_domain,
                    validation=acm.CertificateValidation.from_dns(zone),
                ),
                endpoint_type=apigw.EndpointType.REGIONAL,
                security_policy=apigw.SecurityPolicy.TLS_1_2,
            )
            self.domain.add_base_path_mapping(self.rest_api, stage=self.rest_api.deployment_stage)

    def add_dns_record(
        self,
        zone: route53.IHostedZone,
        record_name: str,
        *,
        failover: str | None = None,
        health_check: route53.CfnHealthCheck | None = None,
    ) -> route53.ARecord:
        """``record_name`` → this region's custom domain; a failover record when asked."""
        assert self.domain is not None
        record = route53.ARecord(
            self,
            "DnsRecord",
            zone=zone,
            record_name=record_name,
            target=route53.RecordTarget.from_alias(targets.ApiGatewayDomain(self.domain)),
        )
        if failover is not None:
            assert health_check is not None
            cfn = record.node.default_child
            assert isinstance(cfn, route53.CfnRecordSet)
            cfn.failover = failover
            cfn.set_identifier = f"{failover.lower()}-api"
            cfn.health_check_id = health_check.attr_health_check_id
        return record
