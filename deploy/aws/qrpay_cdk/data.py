"""Data stores: Aurora PostgreSQL (the ledger) and ElastiCache Redis (the session store).

Both sit in the isolated subnets, are encrypted at rest with the ``data`` key and in transit
(``rds.force_ssl``, Redis TLS with an AUTH token), span two availability zones, and accept
connections only from the app's security group. The app reads one URL for each
(``QRPAY_DATABASE_URL``, ``QRPAY_REDIS_URL``); both are assembled here into secrets from the
generated credentials, so no credential appears in the template.

With ``dr_region`` the primary's cluster becomes the source of an Aurora global database and
the DR region runs a secondary cluster attached to it (``SecondaryDatabase``).
"""

from __future__ import annotations

from typing import Any, Final

from aws_cdk import Duration, Fn, RemovalPolicy, SecretValue, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from qrpay_cdk.keys import replicas
from qrpay_cdk.settings import AuroraMode

DB_NAME: Final = "qrpay"
DB_USER: Final = "qrpay"
DB_PORT: Final = 5432
REDIS_PORT: Final = 6379
ENGINE_VERSION: Final = rds.AuroraPostgresEngineVersion.VER_16_8
SERVERLESS_ACU_MIN: Final = 0.5
SERVERLESS_ACU_MAX: Final = 16
PROVISIONED_INSTANCE: Final = ec2.InstanceType("r6g.large")
BACKUP_RETENTION_DAYS: Final = 14
REDIS_NODE_TYPE: Final = "cache.t4g.medium"
REDIS_ENGINE_VERSION: Final = "7.1"
# Characters that would need escaping inside a URL's user-info part, so the generated
# password can be pasted into postgresql://user:password@host/db as it is.
URL_UNSAFE_CHARACTERS: Final = " %+~`#$&*()|[]{}:;<>?!'/@\"\\=,^"


def _engine() -> rds.IClusterEngine:
    return rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION)


def _parameters(scope: Construct) -> rds.ParameterGroup:
    return rds.ParameterGroup(
        scope,
        "Parameters",
        engine=_engine(),
        description="qrpay: TLS only, slow statements and connections logged",
        parameters={
            "rds.force_ssl": "1",
            "log_min_duration_statement": "500",
            "log_connections": "1",
            "log_disconnections": "1",
        },
    )


def database_url(username: str, password: str, host: str, port: str) -> str:
    """``postgresql://user:password@host:port/qrpay?ssl=require`` as a CloudFormation string."""
    return Fn.join(
        "",
        ["postgresql://", username, ":", password, "@", host, ":", port, f"/{DB_NAME}?ssl=require"],
    )


class Database(Construct):
    """The primary Aurora PostgreSQL cluster: a writer and a reader in another AZ."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        clients: ec2.ISecurityGroup,
        key: kms.IKey,
        mode: AuroraMode,
        deletion_protection: bool,
        retention: logs.RetentionDays,
        replica_regions: list[str],
    ) -> None:
        super().__init__(scope, id)
        self.security_group = _security_group(self, vpc, clients, DB_PORT, "PostgreSQL")
        credentials = rds.Credentials.from_generated_secret(
            DB_USER,
            secret_name=f"{name}/database",
            encryption_key=key,
            exclude_characters=URL_UNSAFE_CHARACTERS,
            replica_regions=replicas(replica_regions),
        )
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            engine=_engine(),
            credentials=credentials,
            default_database_name=DB_NAME,
            parameter_group=_parameters(self),
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[self.security_group],
            storage_encrypted=True,
            storage_encryption_key=key,
            iam_authentication=True,
            backup=rds.BackupProps(retention=Duration.days(BACKUP_RETENTION_DAYS)),
            deletion_protection=deletion_protection,
            removal_policy=RemovalPolicy.SNAPSHOT if deletion_protection else RemovalPolicy.DESTROY,
            cloudwatch_logs_exports=["postgresql"],
            cloudwatch_logs_retention=retention,
            monitoring_interval=Duration.seconds(60),
            enable_performance_insights=True,
            performance_insight_encryption_key=key,
            copy_tags_to_snapshot=True,
            **_instances(mode),
        )
        assert self.cluster.secret is not None
        self.secret: secretsmanager.ISecret = self.cluster.secret
        self.cluster_identifier = self.cluster.cluster_identifier
        self.url_secret = _url_secret(
            self,
            name=name,
            key=key,
            value=database_url(
                self.secret.secret_value_from_json("username").unsafe_unwrap(),
                self.secret.secret_value_from_json("password").unsafe_unwrap(),
                self.cluster.cluster_endpoint.hostname,
                Token.as_string(self.cluster.cluster_endpoint.port),
            ),
            short="database-url",
            removal=RemovalPolicy.DESTROY,
        )

    def make_global(self, global_id: str) -> rds.CfnGlobalCluster:
        """Turn this cluster into the source of an Aurora global database."""
        return rds.CfnGlobalCluster(
            self,
            "Global",
            global_cluster_identifier=global_id,
            source_db_cluster_identifier=self.cluster.cluster_identifier,
        )


class SecondaryDatabase(Construct):
    """The DR region's cluster, attached to the primary's global database (read-only until
    a global failover or switchover promotes it)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        global_id: str,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        clients: ec2.ISecurityGroup,
        key: kms.IKey,
        mode: AuroraMode,
        deletion_protection: bool,
        retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id)
        self.security_group = _security_group(self, vpc, clients, DB_PORT, "PostgreSQL")
        subnet_group = rds.SubnetGroup(
            self, "Subnets", vpc=vpc, vpc_subnets=subnets, description=f"{name} database"
        )
        parameters = _parameters(self)
        cluster = rds.CfnDBCluster(
            self,
            "Cluster",
            engine="aurora-postgresql",
            engine_version=ENGINE_VERSION.aurora_postgres_full_version,
            global_cluster_identifier=global_id,
            db_subnet_group_name=subnet_group.subnet_group_name,
            vpc_security_group_ids=[self.security_group.security_group_id],
            db_cluster_parameter_group_name=parameters.bind_to_cluster().parameter_group_name,
            storage_encrypted=True,
            kms_key_id=key.key_arn,
            enable_iam_database_authentication=True,
            backup_retention_period=BACKUP_RETENTION_DAYS,
            deletion_protection=deletion_protection,
            enable_cloudwatch_logs_exports=["postgresql"],
            copy_tags_to_snapshot=True,
            serverless_v2_scaling_configuration=rds.CfnDBCluster.ServerlessV2ScalingConfigurationProperty(
                min_capacity=SERVERLESS_ACU_MIN, max_capacity=SERVERLESS_ACU_MAX
            )
            if mode is AuroraMode.SERVERLESS
            else None,
        )
        cluster.apply_removal_policy(
            RemovalPolicy.SNAPSHOT if deletion_protection else RemovalPolicy.DESTROY
        )
        instance_class = (
            "db.serverless"
            if mode is AuroraMode.SERVERLESS
            else f"db.{PROVISIONED_INSTANCE.to_string()}"
        )
        for index in range(2):
            instance = rds.CfnDBInstance(
                self,
                f"Instance{index + 1}",
                db_cluster_identifier=cluster.ref,
                db_instance_class=instance_class,
                engine="aurora-postgresql",
                publicly_accessible=False,
                promotion_tier=index,
                enable_performance_insights=True,
                performance_insights_kms_key_id=key.key_arn,
            )
            instance.apply_removal_policy(RemovalPolicy.DESTROY)
        logs.LogGroup(
            self,
            "PostgresqlLog",
            log_group_name=f"/aws/rds/cluster/{cluster.ref}/postgresql",
            retention=retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.cluster_identifier = cluster.ref
        self.secret = secretsmanager.Secret.from_secret_name_v2(self, "Secret", f"{name}/database")
        self.url_secret = _url_secret(
            self,
            name=name,
            key=key,
            value=database_url(
                self.secret.secret_value_from_json("username").unsafe_unwrap(),
                self.secret.secret_value_from_json("password").unsafe_unwrap(),
                cluster.attr_endpoint_address,
                cluster.attr_endpoint_port,
            ),
            short="database-url",
            removal=RemovalPolicy.DESTROY,
        )


class Cache(Construct):
    """ElastiCache Redis: primary and replica in two AZs, automatic failover, TLS, AUTH."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        clients: ec2.ISecurityGroup,
        key: kms.IKey,
        logs_key: kms.IKey,
        retention: logs.RetentionDays,
        removal: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        self.security_group = _security_group(self, vpc, clients, REDIS_PORT, "Redis")
        self.auth_token = secretsmanager.Secret(
            self,
            "AuthToken",
            secret_name=f"{name}/redis-auth-token",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        subnet_group = elasticache.CfnSubnetGroup(
            self,
            "Subnets",
            description=f"{name} session store",
            subnet_ids=vpc.select_subnets(subnet_type=subnets.subnet_type).subnet_ids,
        )
        slow_log = logs.LogGroup(
            self, "SlowLog", encryption_key=logs_key, retention=retention, removal_policy=removal
        )
        self.group = elasticache.CfnReplicationGroup(
            self,
            "Redis",
            replication_group_description=f"{name} session store",
            engine="redis",
            engine_version=REDIS_ENGINE_VERSION,
            cache_node_type=REDIS_NODE_TYPE,
            num_cache_clusters=2,
            automatic_failover_enabled=True,
            multi_az_enabled=True,
            at_rest_encryption_enabled=True,
            kms_key_id=key.key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=self.auth_token.secret_value.unsafe_unwrap(),
            port=REDIS_PORT,
            cache_subnet_group_name=subnet_group.ref,
            security_group_ids=[self.security_group.security_group_id],
            snapshot_retention_limit=7,
            auto_minor_version_upgrade=True,
            log_delivery_configurations=[
                elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty(
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                    destination_details=elasticache.CfnReplicationGroup.DestinationDetailsProperty(
                        cloud_watch_logs_details=elasticache.CfnReplicationGroup.CloudWatchLogsDestinationDetailsProperty(
                            log_group=slow_log.log_group_name
                        )
                    ),
                )
            ],
        )
        self.group.apply_removal_policy(removal)
        self.replication_group_id = self.group.ref
        self.url_secret = _url_secret(
            self,
            name=name,
            key=key,
            value=Fn.join(
                "",
                [
                    "rediss://:",
                    self.auth_token.secret_value.unsafe_unwrap(),
                    "@",
                    self.group.attr_primary_end_point_address,
                    ":",
                    self.group.attr_primary_end_point_port,
                    "/0",
                ],
            ),
            short="redis-url",
            removal=RemovalPolicy.DESTROY,
        )


def _instances(mode: AuroraMode) -> dict[str, Any]:
    if mode is AuroraMode.SERVERLESS:
        return {
            "writer": rds.ClusterInstance.serverless_v2("writer"),
            "readers": [rds.ClusterInstance.serverless_v2("reader", scale_with_writer=True)],
            "serverless_v2_min_capacity": SERVERLESS_ACU_MIN,
            "serverless_v2_max_capacity": SERVERLESS_ACU_MAX,
        }
    return {
        "writer": rds.ClusterInstance.provisioned("writer", instance_type=PROVISIONED_INSTANCE),
        "readers": [
            rds.ClusterInstance.provisioned(
                "reader", instance_type=PROVISIONED_INSTANCE, promotion_tier=1
            )
        ],
    }


def _security_group(
    scope: Construct, vpc: ec2.IVpc, clients: ec2.ISecurityGroup, port: int, what: str
) -> ec2.SecurityGroup:
    group = ec2.SecurityGroup(
        scope,
        "SecurityGroup",
        vpc=vpc,
        description=f"{what}: qrpay tasks only",
        allow_all_outbound=False,
    )
    group.add_ingress_rule(clients, ec2.Port.tcp(port), f"{what} from the qrpay tasks")
    return group


def _url_secret(
    scope: Construct, *, name: str, key: kms.IKey, value: str, short: str, removal: RemovalPolicy
) -> secretsmanager.Secret:
    """A secret holding a connection URL assembled by CloudFormation from dynamic references.

    The URL is rebuilt on each deployment that changes it; rotating the password needs a
    deployment afterwards (docs/runbook.md)."""
    return secretsmanager.Secret(
        scope,
        "Url",
        secret_name=f"{name}/{short}",
        description=f"{short.upper().replace('-', '_')} for the qrpay tasks",
        encryption_key=key,
        secret_string_value=SecretValue.unsafe_plain_text(value),
        removal_policy=removal,
    )
