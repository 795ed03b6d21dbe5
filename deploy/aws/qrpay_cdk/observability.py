"""Observability: log buckets, log shipping (CloudWatch Logs → Firehose → S3, or OpenSearch
with an S3 copy when ``use_opensearch`` is set), the alarms of docs/runbook.md on one SNS
topic, and a dashboard.

Two buckets, because two AWS log deliveries refuse KMS keys: ``access_logs`` (SSE-S3)
receives CloudFront standard logs and S3 server access logs; ``service_logs`` (SSE-KMS)
receives the services' own logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct, IConstruct

from qrpay_cdk.buckets import private_bucket
from qrpay_cdk.compute import METRICS_NAMESPACE, SCRAPE_JOB

_Stream = firehose.CfnDeliveryStream

LOG_TRANSITION_DAYS: Final = 90
LOG_EXPIRY_DAYS: Final = 400  # a year of logs plus a reconciliation quarter
SEARCH_VERSION: Final = opensearch.EngineVersion.OPENSEARCH_2_19
SEARCH_INSTANCE: Final = "r6g.large.search"
SEARCH_VOLUME_GIB: Final = 50
SEARCH_INDEX: Final = "qrpay-logs"
# Alarm thresholds; docs/runbook.md explains each and what to do.
API_5XX_RATE_MAX: Final = 0.01  # fraction of requests (API Gateway 5XXError average)
API_LATENCY_P99_MS_MAX: Final = 1000
PAYMENT_FAILURE_PERCENT_MAX: Final = 20
PAYMENT_VOLUME_MIN: Final = 20  # payments per period before the failure rate means anything
WEBHOOK_BACKLOG_MAX: Final = 1000
DB_CPU_PERCENT_MAX: Final = 80
DB_CONNECTIONS_MAX: Final = 1000
ALARM_PERIOD: Final = Duration.minutes(5)
ALARM_PERIODS: Final = 3


class LogStorage(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, removal: RemovalPolicy) -> None:
        super().__init__(scope, id)
        lifecycle = [
            s3.LifecycleRule(
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                        transition_after=Duration.days(LOG_TRANSITION_DAYS),
                    )
                ],
                expiration=Duration.days(LOG_EXPIRY_DAYS),
                noncurrent_version_expiration=Duration.days(30),
            )
        ]
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            # CloudFront standard logs are written with an ACL
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=lifecycle,
            removal_policy=removal,
            auto_delete_objects=removal is RemovalPolicy.DESTROY,
        )
        self.service_logs = private_bucket(
            self,
            "ServiceLogs",
            key=key,
            access_logs=self.access_logs,
            access_logs_prefix="s3/service-logs/",
            removal=removal,
            lifecycle=lifecycle,
        )


class LogShipping(Construct):
    """Subscribes the app's log groups to a Firehose stream: S3 always, OpenSearch if asked."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        log_groups: list[logs.ILogGroup],
        bucket: s3.IBucket,
        logs_key: kms.IKey,
        data_key: kms.IKey,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        use_opensearch: bool,
        retention: logs.RetentionDays,
        removal: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        role = iam.Role(
            self, "FirehoseRole", assumed_by=iam.ServicePrincipal("firehose.amazonaws.com")
        )
        bucket.grant_read_write(role)
        logs_key.grant_encrypt_decrypt(role)
        errors = logs.LogGroup(
            self,
            "DeliveryErrors",
            encryption_key=logs_key,
            retention=retention,
            removal_policy=removal,
        )
        errors_stream = errors.add_stream("delivery")
        errors.grant_write(role)
        logging = firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty(
            enabled=True,
            log_group_name=errors.log_group_name,
            log_stream_name=errors_stream.log_stream_name,
        )
        s3_encryption = firehose.CfnDeliveryStream.EncryptionConfigurationProperty(
            kms_encryption_config=firehose.CfnDeliveryStream.KMSEncryptionConfigProperty(
                awskms_key_arn=logs_key.key_arn
            )
        )
        processing = firehose.CfnDeliveryStream.ProcessingConfigurationProperty(
            enabled=True,
            processors=[
                _processor("Decompression", {"CompressionFormat": "GZIP"}),
                _processor("CloudWatchLogProcessing", {"DataMessageExtraction": "true"}),
            ],
        )
        self.domain: opensearch.Domain | None = None
        if use_opensearch:
            self.domain, destination = self._opensearch(
                name=name,
                role=role,
                bucket=bucket,
                vpc=vpc,
                subnets=subnets,
                key=data_key,
                logs_key=logs_key,
                logging=logging,
                s3_encryption=s3_encryption,
                processing=processing,
                retention=retention,
                removal=removal,
            )
            stream_props: dict[str, object] = {
                "amazonopensearchservice_destination_configuration": destination
            }
        else:
            to_s3 = _Stream.ExtendedS3DestinationConfigurationProperty(
                bucket_arn=bucket.bucket_arn,
                role_arn=role.role_arn,
                prefix="app/!{timestamp:yyyy/MM/dd}/",
                error_output_prefix="errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/",
                buffering_hints=_Stream.BufferingHintsProperty(
                    interval_in_seconds=300, size_in_m_bs=5
                ),
                compression_format="GZIP",
                encryption_configuration=s3_encryption,
                processing_configuration=processing,
                cloud_watch_logging_options=logging,
            )
            stream_props = {"extended_s3_destination_configuration": to_s3}
        self.stream = firehose.CfnDeliveryStream(
            self,
            "Stream",
            delivery_stream_type="DirectPut",
            delivery_stream_encryption_configuration_input=firehose.CfnDeliveryStream.DeliveryStreamEncryptionConfigurationInputProperty(
                key_type="CUSTOMER_MANAGED_CMK", key_arn=logs_key.key_arn
            ),
            **stream_props,  # type: ignore[arg-type]
        )
        self.stream.node.add_dependency(_policy_of(role))
        subscriber = iam.Role(
            self,
            "SubscriptionRole",
            assumed_by=iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com"),
        )
        subscriber.add_to_policy(
            iam.PolicyStatement(
                actions=["firehose:PutRecord", "firehose:PutRecordBatch"],
                resources=[self.stream.attr_arn],
            )
        )
        for index, group in enumerate(log_groups):
            subscription = logs.CfnSubscriptionFilter(
                self,
                f"Subscription{index}",
                log_group_name=group.log_group_name,
                filter_pattern="",
                destination_arn=self.stream.attr_arn,
                role_arn=subscriber.role_arn,
            )
            subscription.node.add_dependency(_policy_of(subscriber))

    def _opensearch(
        self,
        *,
        name: str,
        role: iam.Role,
        bucket: s3.IBucket,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        key: kms.IKey,
        logs_key: kms.IKey,
        logging: firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty,
        s3_encryption: firehose.CfnDeliveryStream.EncryptionConfigurationProperty,
        processing: firehose.CfnDeliveryStream.ProcessingConfigurationProperty,
        retention: logs.RetentionDays,
        removal: RemovalPolicy,
    ) -> tuple[
        opensearch.Domain,
        firehose.CfnDeliveryStream.AmazonopensearchserviceDestinationConfigurationProperty,
    ]:
        delivery_group = ec2.SecurityGroup(
            self,
            "DeliverySecurityGroup",
            vpc=vpc,
            description="Firehose delivery to OpenSearch",
            allow_all_outbound=False,
        )
        search_group = ec2.SecurityGroup(
            self,
            "SearchSecurityGroup",
            vpc=vpc,
            description="OpenSearch: HTTPS from inside the VPC",
            allow_all_outbound=False,
        )
        search_group.add_ingress_rule(delivery_group, ec2.Port.tcp(443), "Firehose delivery")
        search_group.add_ingress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "operators inside the VPC"
        )
        delivery_group.add_egress_rule(search_group, ec2.Port.tcp(443), "to OpenSearch")
        search_logs = {
            kind: logs.LogGroup(
                self,
                f"Search{kind}Log",
                encryption_key=logs_key,
                retention=retention,
                removal_policy=removal,
            )
            for kind in ("App", "SlowSearch", "SlowIndex")
        }
        domain = opensearch.Domain(
            self,
            "Search",
            domain_name=f"{name}-logs",
            version=SEARCH_VERSION,
            vpc=vpc,
            vpc_subnets=[subnets],
            security_groups=[search_group],
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=True, availability_zone_count=2),
            capacity=opensearch.CapacityConfig(
                data_nodes=2,
                data_node_instance_type=SEARCH_INSTANCE,
                multi_az_with_standby_enabled=False,
            ),
            ebs=opensearch.EbsOptions(
                volume_size=SEARCH_VOLUME_GIB, volume_type=ec2.EbsDeviceVolumeType.GP3
            ),
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True, kms_key=key),
            node_to_node_encryption=True,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            logging=opensearch.LoggingOptions(
                app_log_enabled=True,
                app_log_group=search_logs["App"],
                slow_search_log_enabled=True,
                slow_search_log_group=search_logs["SlowSearch"],
                slow_index_log_enabled=True,
                slow_index_log_group=search_logs["SlowIndex"],
            ),
            removal_policy=removal,
        )
        domain.add_access_policies(
            iam.PolicyStatement(
                principals=[role],
                actions=["es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpHead"],
                resources=[domain.domain_arn, f"{domain.domain_arn}/*"],
            )
        )
        domain.grant_read_write(role)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["es:DescribeDomain", "es:DescribeDomains", "es:DescribeDomainConfig"],
                resources=[domain.domain_arn, f"{domain.domain_arn}/*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "ec2:DescribeVpcs",
                    "ec2:DescribeVpcAttribute",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:CreateNetworkInterface",
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                ],
                resources=["*"],
            )
        )
        destination = _Stream.AmazonopensearchserviceDestinationConfigurationProperty(
            domain_arn=domain.domain_arn,
            index_name=SEARCH_INDEX,
            index_rotation_period="OneDay",
            role_arn=role.role_arn,
            s3_backup_mode="AllDocuments",
            s3_configuration=firehose.CfnDeliveryStream.S3DestinationConfigurationProperty(
                bucket_arn=bucket.bucket_arn,
                role_arn=role.role_arn,
                prefix="app/",
                error_output_prefix="errors/",
                compression_format="GZIP",
                encryption_configuration=s3_encryption,
                cloud_watch_logging_options=logging,
            ),
            vpc_configuration=firehose.CfnDeliveryStream.VpcConfigurationProperty(
                role_arn=role.role_arn,
                security_group_ids=[delivery_group.security_group_id],
                subnet_ids=vpc.select_subnets(subnet_type=subnets.subnet_type).subnet_ids,
            ),
            processing_configuration=processing,
            buffering_hints=firehose.CfnDeliveryStream.AmazonopensearchserviceBufferingHintsProperty(
                interval_in_seconds=60, size_in_m_bs=5
            ),
            retry_options=firehose.CfnDeliveryStream.AmazonopensearchserviceRetryOptionsProperty(
                duration_in_seconds=300
            ),
            cloud_watch_logging_options=logging,
        )
        return domain, destination


def _policy_of(role: iam.Role) -> IConstruct:
    """The role's inline policy: what a resource using the role must wait for."""
    policy = role.node.try_find_child("DefaultPolicy")
    assert policy is not None
    return policy


def _processor(
    kind: str, parameters: dict[str, str]
) -> firehose.CfnDeliveryStream.ProcessorProperty:
    return firehose.CfnDeliveryStream.ProcessorProperty(
        type=kind,
        parameters=[
            firehose.CfnDeliveryStream.ProcessorParameterProperty(
                parameter_name=k, parameter_value=v
            )
            for k, v in parameters.items()
        ],
    )


@dataclass(frozen=True)
class Watched:
    """The names the alarms need, from the other constructs."""

    api_name: str
    api_stage: str
    db_cluster_identifier: str
    nlb_full_name: str
    target_group_full_name: str
    cluster_name: str
    api_service_name: str
    worker_service_name: str
    redis_group_id: str


class Monitoring(Construct):
    """The alarms of docs/runbook.md on one encrypted SNS topic, and a dashboard."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        watched: Watched,
        key: kms.IKey,
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, id)
        self.topic = sns.Topic(self, "Alarms", display_name=f"{name} alarms", master_key=key)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="TlsOnly",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"Bool": {"aws:SecureTransport": "false"}},
            )
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        w = watched
        api = {"ApiName": w.api_name, "Stage": w.api_stage}
        db = {"DBClusterIdentifier": w.db_cluster_identifier}
        api_5xx = _metric("AWS/ApiGateway", "5XXError", api, "Average")
        latency = _metric("AWS/ApiGateway", "Latency", api, "p99")
        requests = _metric("AWS/ApiGateway", "Count", api, "Sum")
        succeeded = _metric(
            METRICS_NAMESPACE, "qrpay_payments_total", {"status": "succeeded"}, "Sum"
        )
        failed = _metric(METRICS_NAMESPACE, "qrpay_payments_total", {"status": "failed"}, "Sum")
        failure_rate = cw.MathExpression(
            expression=f"IF((ok + bad) >= {PAYMENT_VOLUME_MIN}, 100 * bad / (ok + bad), 0)",
            using_metrics={"ok": succeeded, "bad": failed},
            label="payment failure rate (%)",
            period=ALARM_PERIOD,
        )
        backlog = _metric(
            METRICS_NAMESPACE, "qrpay_webhook_backlog", {"job": SCRAPE_JOB}, "Maximum"
        )
        db_cpu = _metric("AWS/RDS", "CPUUtilization", db, "Average")
        db_connections = _metric("AWS/RDS", "DatabaseConnections", db, "Maximum")
        healthy = cw.Metric(
            namespace="AWS/NetworkELB",
            metric_name="HealthyHostCount",
            dimensions_map={
                "LoadBalancer": w.nlb_full_name,
                "TargetGroup": w.target_group_full_name,
            },
            statistic="Minimum",
            period=Duration.minutes(1),
        )
        self.alarms: dict[str, cw.Alarm] = {}
        self._alarm("Api5xxRate", api_5xx, API_5XX_RATE_MAX, "API 5xx rate above 1%")
        self._alarm("ApiLatencyP99", latency, API_LATENCY_P99_MS_MAX, "API p99 latency above 1 s")
        self._alarm(
            "PaymentFailureRate",
            failure_rate,
            PAYMENT_FAILURE_PERCENT_MAX,
            f"payment failure rate above {PAYMENT_FAILURE_PERCENT_MAX}%",
        )
        self._alarm("WebhookBacklog", backlog, WEBHOOK_BACKLOG_MAX, "webhook deliveries waiting")
        self._alarm("DatabaseCpu", db_cpu, DB_CPU_PERCENT_MAX, "database CPU above 80%")
        self._alarm(
            "DatabaseConnections", db_connections, DB_CONNECTIONS_MAX, "database connections high"
        )
        self.no_healthy_api = self._alarm(
            "ApiNoHealthyTargets",
            healthy,
            1,
            "no API task passes /readyz (drives the Route 53 health check)",
            comparison=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cw.TreatMissingData.BREACHING,
        )
        self.dashboard = self._dashboard(
            name,
            w,
            requests,
            api_5xx,
            latency,
            failure_rate,
            succeeded,
            failed,
            backlog,
            db_cpu,
            db_connections,
            healthy,
        )

    def _alarm(
        self,
        id: str,
        metric: cw.IMetric,
        threshold: float,
        description: str,
        *,
        comparison: cw.ComparisonOperator = cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cw.TreatMissingData = cw.TreatMissingData.NOT_BREACHING,
    ) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=ALARM_PERIODS,
            datapoints_to_alarm=ALARM_PERIODS,
            comparison_operator=comparison,
            treat_missing_data=missing,
            alarm_description=f"{description}. Runbook: docs/runbook.md#{id.lower()}",
        )
        action = cw_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.alarms[id] = alarm
        return alarm

    def _dashboard(self, name: str, w: Watched, *metrics: cw.IMetric) -> cw.Dashboard:
        (
            requests,
            api_5xx,
            latency,
            failure_rate,
            succeeded,
            failed,
            backlog,
            db_cpu,
            db_connections,
            healthy,
        ) = metrics
        ecs_dims = {"ClusterName": w.cluster_name}
        cpu = [
            _metric("AWS/ECS", "CPUUtilization", {**ecs_dims, "ServiceName": s}, "Average")
            for s in (w.api_service_name, w.worker_service_name)
        ]
        redis = _metric(
            "AWS/ElastiCache",
            "EngineCPUUtilization",
            {"ReplicationGroupId": w.redis_group_id},
            "Average",
        )
        dashboard = cw.Dashboard(
            self, "Dashboard", dashboard_name=f"{name}-{Stack.of(self).region}"
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="API requests", left=[requests], right=[api_5xx]),
            cw.GraphWidget(title="API p99 latency (ms)", left=[latency]),
            cw.GraphWidget(title="Payments", left=[succeeded, failed], right=[failure_rate]),
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="Webhook backlog", left=[backlog]),
            cw.GraphWidget(title="Healthy API tasks", left=[healthy]),
            cw.GraphWidget(title="ECS CPU (api, worker)", left=cpu),
        )
        dashboard.add_widgets(
            cw.GraphWidget(title="Database CPU", left=[db_cpu]),
            cw.GraphWidget(title="Database connections", left=[db_connections]),
            cw.GraphWidget(title="Redis engine CPU", left=[redis]),
        )
        dashboard.add_widgets(
            cw.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24)
        )
        return dashboard


def _metric(namespace: str, name: str, dims: dict[str, str], statistic: str) -> cw.Metric:
    return cw.Metric(
        namespace=namespace,
        metric_name=name,
        dimensions_map=dims,
        statistic=statistic,
        period=ALARM_PERIOD,
    )
