"""The stacks and how they fit together.

- ``EdgeStack`` (us-east-1): CloudFront's web ACL and certificate, CloudFront Config rules.
- ``RegionalStack`` (role primary, in ``region``): everything else, with the CloudFront
  distribution and its static bucket.
- ``RegionalStack`` (role secondary, in ``dr_region``, only when asked): the same regional
  pieces, its Aurora cluster attached to the primary's global database, and the SECONDARY
  Route 53 failover record for the API origin.

Deploy order: edge, primary, DR (``cdk deploy --all`` follows the dependencies).
"""

from __future__ import annotations

from typing import Final

from aws_cdk import App, CfnOutput, Environment, RemovalPolicy, Stack, Tags
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from qrpay_cdk import compliance
from qrpay_cdk.api import APP_PORT, Api
from qrpay_cdk.compute import AppConfig, Compute, container_image
from qrpay_cdk.data import Cache, Database, SecondaryDatabase
from qrpay_cdk.edge import ORIGIN_VERIFY_HEADER, Cdn, WebFirewall, certificate
from qrpay_cdk.keys import (
    PKCS11_LIBRARY,
    AppSecrets,
    HsmCluster,
    Keys,
    allow_log_services,
    customer_key,
)
from qrpay_cdk.network import Network
from qrpay_cdk.observability import LogShipping, LogStorage, Monitoring, Watched
from qrpay_cdk.settings import EDGE_REGION, Role, Settings

DATA_DIR: Final = "/tmp/qrpay"  # noqa: S108  the read-only image's one writable path


def build(app: App, settings: Settings) -> list[Stack]:
    """Every stack the settings ask for, wired together; returns them in deploy order."""
    Tags.of(app).add(compliance.TAG_KEY, settings.name)
    Tags.of(app).add("project", "qrpay")
    edge = EdgeStack(app, "Edge", settings=settings)
    primary = RegionalStack(app, "Primary", settings=settings, role=Role.PRIMARY, edge=edge)
    stacks: list[Stack] = [edge, primary]
    if settings.dr_region is not None:
        dr = RegionalStack(app, "Dr", settings=settings, role=Role.SECONDARY, edge=None)
        dr.add_stack_dependency(primary, "the global database and the secret replicas come first")
        stacks.append(dr)
    return stacks


def _removal(settings: Settings) -> RemovalPolicy:
    return RemovalPolicy.RETAIN if settings.deletion_protection else RemovalPolicy.DESTROY


_RETENTION: Final = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def _retention(settings: Settings) -> logs.RetentionDays:
    return _RETENTION[settings.log_retention_days]


def _zone(scope: Construct, settings: Settings) -> route53.IHostedZone | None:
    if settings.hosted_zone_id is None or settings.zone_name is None:
        return None
    return route53.HostedZone.from_hosted_zone_attributes(
        scope, "Zone", hosted_zone_id=settings.hosted_zone_id, zone_name=settings.zone_name
    )


class EdgeStack(Stack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(
            scope,
            id,
            stack_name=f"{settings.name}-edge",
            env=Environment(account=settings.account, region=EDGE_REGION),
            cross_region_references=True,
            description="qrpay edge: CloudFront web ACL and certificate (us-east-1)",
        )
        removal = _removal(settings)
        retention = _retention(settings)
        key = customer_key(self, "LogsKey", f"{settings.name} edge logs", removal)
        allow_log_services(key)
        self.firewall = WebFirewall(
            self,
            "Firewall",
            name=settings.name,
            waf_scope="CLOUDFRONT",
            rate_limit=settings.waf_rate_limit,
            logs_key=key,
            retention=retention,
            removal=removal,
        )
        self.certificate: acm.ICertificate | None = None
        zone = _zone(self, settings)
        if zone is not None and settings.domain_name is not None:
            self.certificate = certificate(
                self, "Certificate", domain_name=settings.domain_name, zone=zone
            )
        compliance.ComplianceRules(
            self, "Compliance", deployment=settings.name, scoped=compliance.EDGE_RULES
        )


class RegionalStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: Settings,
        role: Role,
        edge: EdgeStack | None,
    ) -> None:
        primary = role is Role.PRIMARY
        region = settings.region if primary else settings.dr_region
        assert region is not None
        assert primary == (edge is not None)
        super().__init__(
            scope,
            id,
            stack_name=f"{settings.name}-{role.value}",
            env=Environment(account=settings.account, region=region),
            cross_region_references=True,
            description=f"qrpay {role.value} region: network, API, containers, data, keys, logs",
        )
        s = settings
        removal = _removal(s)
        retention = _retention(s)
        replica_regions = [s.dr_region] if primary and s.dr_region else []
        global_id = f"{s.name}-global"

        keys = Keys(self, "Keys", name=s.name, removal=removal)
        app_secrets = AppSecrets(
            self,
            "Secrets",
            name=s.name,
            keys=keys,
            create=primary,
            replica_regions=replica_regions,
            removal=removal,
        )
        network = Network(self, "Network", logs_key=keys.logs, retention=retention, removal=removal)
        vpc = network.vpc
        tasks = ec2.SecurityGroup(
            self,
            "TaskSecurityGroup",
            vpc=vpc,
            allow_all_outbound=True,
            description="qrpay tasks: out to the networks, in from the NLB only",
        )
        zone = _zone(self, s)

        if primary:
            source = Database(
                self,
                "Database",
                name=s.name,
                vpc=vpc,
                subnets=network.isolated_subnets,
                clients=tasks,
                key=keys.data,
                mode=s.aurora_mode,
                deletion_protection=s.deletion_protection,
                retention=retention,
                replica_regions=replica_regions,
            )
            if s.dr_region:
                source.make_global(global_id)
            database: Database | SecondaryDatabase = source
        else:
            database = SecondaryDatabase(
                self,
                "Database",
                name=s.name,
                global_id=global_id,
                vpc=vpc,
                subnets=network.isolated_subnets,
                clients=tasks,
                key=keys.data,
                mode=s.aurora_mode,
                deletion_protection=s.deletion_protection,
                retention=retention,
            )
        cache = Cache(
            self,
            "Cache",
            name=s.name,
            vpc=vpc,
            subnets=network.isolated_subnets,
            clients=tasks,
            key=keys.data,
            logs_key=keys.logs,
            retention=retention,
            removal=removal,
        )
        hsm = (
            HsmCluster(
                self,
                "Hsm",
                name=s.name,
                vpc=vpc,
                subnets=network.isolated_subnets,
                clients=tasks,
                pin_key=keys.keystore,
            )
            if s.use_cloudhsm
            else None
        )
        origin_token = app_secrets.origin_verify.secret_value.unsafe_unwrap()
        api = Api(
            self,
            "Api",
            name=s.name,
            vpc=vpc,
            subnets=network.private_subnets,
            origin_token=origin_token,
            allowed_cidrs=s.allowed_cidrs,
            custom_domain=s.api_origin_name,
            zone=zone,
            rate_limit=s.waf_rate_limit,
            logs_key=keys.logs,
            retention=retention,
            removal=removal,
        )
        tasks.add_ingress_rule(api.nlb_security_group, ec2.Port.tcp(APP_PORT), "from the NLB")
        storage = LogStorage(self, "LogStorage", key=keys.logs, removal=removal)

        self.cdn: Cdn | None = None
        public_url = s.public_url
        if edge is not None:
            self.cdn = Cdn(
                self,
                "Cdn",
                api_origin=_api_origin(api, s, origin_token),
                web_acl_arn=edge.firewall.arn,
                certificate=edge.certificate,
                domain_name=s.domain_name,
                zone=zone,
                key=keys.data,
                access_logs=storage.access_logs,
                removal=removal,
            )
            public_url = public_url or f"https://{self.cdn.domain_name}"
        assert public_url is not None  # a DR stack always has a domain (settings check)

        image, _ = container_image(
            self,
            image=s.image,
            repository=s.ecr_repository,
            tag=s.image_tag,
            name=s.name,
            removal=removal,
        )
        compute = Compute(
            self,
            "Compute",
            name=s.name,
            vpc=vpc,
            subnets=network.private_subnets,
            security_group=tasks,
            image=image,
            config=_app_config(public_url, database, cache, app_secrets, hsm),
            target_group=api.target_group,
            rest_api=api.rest_api,
            api_desired_count=s.api_desired_count,
            worker_desired_count=s.worker_desired_count,
            logs_key=keys.logs,
            retention=retention,
            removal=removal,
        )
        shipping = LogShipping(
            self,
            "LogShipping",
            name=s.name,
            log_groups=compute.log_groups,
            bucket=storage.service_logs,
            logs_key=keys.logs,
            data_key=keys.data,
            vpc=vpc,
            subnets=network.isolated_subnets,
            use_opensearch=s.use_opensearch,
            retention=retention,
            removal=removal,
        )
        monitoring = Monitoring(
            self,
            "Monitoring",
            name=s.name,
            watched=Watched(
                api_name=api.rest_api.rest_api_name,
                api_stage=api.rest_api.deployment_stage.stage_name,
                db_cluster_identifier=database.cluster_identifier,
                nlb_full_name=api.nlb.load_balancer_full_name,
                target_group_full_name=api.target_group.target_group_full_name,
                cluster_name=compute.cluster.cluster_name,
                api_service_name=compute.api_service.service_name,
                worker_service_name=compute.worker_service.service_name,
                redis_group_id=cache.replication_group_id,
            ),
            key=keys.logs,
            alarm_email=s.alarm_email,
        )
        if zone is not None and s.api_origin_name is not None:
            self._api_record(api, zone, s, role, monitoring)

        rules = compliance.REGIONAL_RULES + (
            compliance.OPENSEARCH_RULES if s.use_opensearch else ()
        )
        compliance.ComplianceRules(
            self, "Compliance", deployment=s.name, scoped=rules, periodic=compliance.PERIODIC_RULES
        )
        self._outputs(public_url, api, compute, shipping, hsm, network)

    def _api_record(
        self, api: Api, zone: route53.IHostedZone, s: Settings, role: Role, monitoring: Monitoring
    ) -> None:
        assert s.api_origin_name is not None
        if s.dr_region is None:
            api.add_dns_record(zone, s.api_origin_name)
            return
        health = route53.CfnHealthCheck(
            self,
            "ApiHealthCheck",
            health_check_config=route53.CfnHealthCheck.HealthCheckConfigProperty(
                type="CLOUDWATCH_METRIC",
                alarm_identifier=route53.CfnHealthCheck.AlarmIdentifierProperty(
                    name=monitoring.no_healthy_api.alarm_name, region=self.region
                ),
                insufficient_data_health_status="LastKnownStatus",
            ),
            health_check_tags=[
                route53.CfnHealthCheck.HealthCheckTagProperty(
                    key="Name", value=f"{s.name}-{role.value}-api"
                )
            ],
        )
        failover = "PRIMARY" if role is Role.PRIMARY else "SECONDARY"
        api.add_dns_record(zone, s.api_origin_name, failover=failover, health_check=health)

    def _outputs(
        self,
        public_url: str,
        api: Api,
        compute: Compute,
        shipping: LogShipping,
        hsm: HsmCluster | None,
        network: Network,
    ) -> None:
        CfnOutput(self, "PublicUrl", value=public_url)
        CfnOutput(self, "ApiUrl", value=api.rest_api.url)
        CfnOutput(self, "ClusterName", value=compute.cluster.cluster_name)
        subnets = ",".join(
            network.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids
        )
        CfnOutput(
            self,
            "MigrateCommand",
            description="Run the database migrations as a one-off task",
            value=(
                f"aws ecs run-task --region {self.region} --cluster {compute.cluster.cluster_name}"
                f" --launch-type FARGATE --task-definition {compute.migrate_task.family}"
                f" --network-configuration 'awsvpcConfiguration={{subnets=[{subnets}],"
                f"securityGroups=[{compute.api_service.connections.security_groups[0].security_group_id}],"
                "assignPublicIp=DISABLED}'"
            ),
        )
        if shipping.domain is not None:
            CfnOutput(self, "OpenSearchEndpoint", value=shipping.domain.domain_endpoint)
        if hsm is not None:
            CfnOutput(self, "CloudHsmClusterId", value=hsm.cluster_id)


def _api_origin(
    api: Api, s: Settings, origin_token: str
) -> origins.HttpOrigin | origins.RestApiOrigin:
    headers = {ORIGIN_VERIFY_HEADER: origin_token}
    if s.api_origin_name is not None:
        return origins.HttpOrigin(
            s.api_origin_name,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            custom_headers=headers,
        )
    return origins.RestApiOrigin(api.rest_api, custom_headers=headers)


def _app_config(
    public_url: str,
    database: Database | SecondaryDatabase,
    cache: Cache,
    app_secrets: AppSecrets,
    hsm: HsmCluster | None,
) -> AppConfig:
    environment = {
        "QRPAY_PUBLIC_URL": public_url,
        "QRPAY_DATA_DIR": DATA_DIR,
        "QRPAY_LOG_JSON": "true",
        "QRPAY_LOG_LEVEL": "INFO",
        "QRPAY_KEYSTORE_BACKEND": "pkcs11" if hsm else "software",
    }
    secrets: dict[str, secretsmanager.ISecret] = {
        "QRPAY_DATABASE_URL": database.url_secret,
        "QRPAY_REDIS_URL": cache.url_secret,
        "QRPAY_OPERATOR_KEY": app_secrets.operator_key,
        "QRPAY_CREDENTIAL_PEPPER": app_secrets.credential_pepper,
    }
    if hsm is None:
        secrets["QRPAY_KEYSTORE_MASTER_KEY"] = app_secrets.keystore_master_key
    else:
        environment["QRPAY_PKCS11_LIBRARY"] = PKCS11_LIBRARY
        environment["QRPAY_CLOUDHSM_CLUSTER_ID"] = hsm.cluster_id
        secrets["QRPAY_PKCS11_PIN"] = hsm.pin
    return AppConfig(environment=environment, secrets=secrets)
