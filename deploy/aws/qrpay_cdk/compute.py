"""Compute: the ECS cluster, the Fargate services for the API and the workers, the one-off
migration task, and their autoscaling.

Every task gets the same configuration: plain settings as environment variables, secrets
from Secrets Manager (never in the task definition). The API task runs a CloudWatch agent
beside the app; it scrapes ``/metrics`` inside the task and publishes the payment and
webhook metrics that the alarms watch (namespace ``qrpay``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from qrpay_cdk.api import APP_PORT

METRICS_NAMESPACE: Final = "qrpay"
SCRAPE_JOB: Final = "qrpay"
CW_AGENT_IMAGE: Final = "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:latest"
API_CPU: Final = 1024
API_MEMORY_MIB: Final = 2048
WORKER_CPU: Final = 512
WORKER_MEMORY_MIB: Final = 1024
CPU_TARGET_PERCENT: Final = 60
REQUESTS_PER_TASK_PER_MINUTE_TARGET: Final = 3000
SCALE_OUT_COOLDOWN: Final = Duration.seconds(60)
SCALE_IN_COOLDOWN: Final = Duration.seconds(300)
TASKS_MAX_FACTOR: Final = 5
TASKS_MAX_FLOOR: Final = 10
API_COMMAND: Final = [
    "qrpay",
    "serve",
    "--host",
    "0.0.0.0",  # noqa: S104  inside the task's own network namespace; only the NLB reaches it
    "--port",
    str(APP_PORT),
    "--workers",
    "2",
]
WORKER_COMMAND: Final = ["qrpay", "worker"]
MIGRATE_COMMAND: Final = ["qrpay", "migrate"]
HEALTH_COMMAND: Final = [
    "CMD",
    "python",
    "-c",
    "import urllib.request; "
    f"urllib.request.urlopen('http://127.0.0.1:{APP_PORT}/healthz', timeout=2)",
]


@dataclass(frozen=True)
class AppConfig:
    """What every qrpay container is given."""

    environment: dict[str, str]
    secrets: dict[str, secretsmanager.ISecret]


def cloudwatch_agent_config(log_group_name: str) -> str:
    """The agent's JSON: Prometheus scraped, two metric families kept, as EMF."""
    declarations = [
        {
            "source_labels": ["job"],
            "label_matcher": f"^{SCRAPE_JOB}$",
            "dimensions": [["status"]],
            "metric_selectors": ["^qrpay_payments_total$"],
        },
        {
            "source_labels": ["job"],
            "label_matcher": f"^{SCRAPE_JOB}$",
            "dimensions": [["job"]],
            "metric_selectors": ["^qrpay_webhook_backlog$"],
        },
    ]
    config = {
        "logs": {
            "metrics_collected": {
                "prometheus": {
                    "log_group_name": log_group_name,
                    "prometheus_config_path": "env:PROMETHEUS_CONFIG_CONTENT",
                    "emf_processor": {
                        "metric_namespace": METRICS_NAMESPACE,
                        "metric_declaration": declarations,
                    },
                }
            }
        }
    }
    return json.dumps(config, sort_keys=True)


def prometheus_config() -> str:
    return (
        "global:\n  scrape_interval: 30s\n  scrape_timeout: 10s\n"
        f"scrape_configs:\n  - job_name: {SCRAPE_JOB}\n    metrics_path: /metrics\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{APP_PORT}']\n"
    )


class Compute(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        image: ecs.ContainerImage,
        config: AppConfig,
        target_group: elbv2.INetworkTargetGroup,
        rest_api: apigw.RestApi,
        api_desired_count: int,
        worker_desired_count: int,
        logs_key: kms.IKey,
        retention: logs.RetentionDays,
        removal: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        self._logs_key = logs_key
        self._retention = retention
        self._removal = removal
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=vpc,
            cluster_name=name,
            container_insights_v2=ecs.ContainerInsights.ENHANCED,
        )
        self.api_task = self._task("Api", API_CPU, API_MEMORY_MIB)
        api = self._app_container(self.api_task, "api", image, config, API_COMMAND)
        api.add_port_mappings(ecs.PortMapping(container_port=APP_PORT))
        self._metrics_sidecar(self.api_task)
        self.worker_task = self._task("Worker", WORKER_CPU, WORKER_MEMORY_MIB)
        self._app_container(self.worker_task, "worker", image, config, WORKER_COMMAND)
        self.migrate_task = self._task("Migrate", WORKER_CPU, WORKER_MEMORY_MIB)
        self._app_container(self.migrate_task, "migrate", image, config, MIGRATE_COMMAND)
        self.api_service = self._service(
            "ApiService", self.api_task, api_desired_count, vpc, subnets, security_group
        )
        self.api_service.attach_to_network_target_group(target_group)
        self.worker_service = self._service(
            "WorkerService", self.worker_task, worker_desired_count, vpc, subnets, security_group
        )
        api_scaling = self._cpu_scaling(self.api_service, api_desired_count)
        self._request_scaling(api_scaling, rest_api)
        self._cpu_scaling(self.worker_service, worker_desired_count)

    def _log_driver(self, stream_prefix: str) -> ecs.LogDriver:
        group = logs.LogGroup(
            self,
            f"{stream_prefix.capitalize()}Log",
            encryption_key=self._logs_key,
            retention=self._retention,
            removal_policy=self._removal,
        )
        self.log_groups = [*getattr(self, "log_groups", []), group]
        return ecs.LogDrivers.aws_logs(
            stream_prefix=stream_prefix, log_group=group, mode=ecs.AwsLogDriverMode.NON_BLOCKING
        )

    def _task(self, id: str, cpu: int, memory_mib: int) -> ecs.FargateTaskDefinition:
        task = ecs.FargateTaskDefinition(
            self,
            f"{id}Task",
            cpu=cpu,
            memory_limit_mib=memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        task.add_volume(name="tmp")  # the only writable path: root file systems are read-only
        return task

    def _app_container(
        self,
        task: ecs.FargateTaskDefinition,
        name: str,
        image: ecs.ContainerImage,
        config: AppConfig,
        command: list[str],
    ) -> ecs.ContainerDefinition:
        container = task.add_container(
            name,
            image=image,
            command=command,
            essential=True,
            environment=config.environment,
            secrets={k: ecs.Secret.from_secrets_manager(v) for k, v in config.secrets.items()},
            logging=self._log_driver(name),
            readonly_root_filesystem=True,
            privileged=False,
            stop_timeout=Duration.seconds(30),
            health_check=ecs.HealthCheck(
                command=HEALTH_COMMAND,
                interval=Duration.seconds(15),
                timeout=Duration.seconds(5),
                retries=3,
                start_period=Duration.seconds(30),
            )
            if name == "api"
            else None,
        )
        container.add_mount_points(
            ecs.MountPoint(container_path="/tmp", source_volume="tmp", read_only=False)  # noqa: S108
        )
        return container

    def _metrics_sidecar(self, task: ecs.FargateTaskDefinition) -> None:
        group = logs.LogGroup(
            self,
            "MetricsLog",
            encryption_key=self._logs_key,
            retention=self._retention,
            removal_policy=self._removal,
        )
        task.add_container(
            "cloudwatch-agent",
            image=ecs.ContainerImage.from_registry(CW_AGENT_IMAGE),
            essential=False,
            environment={
                "CW_CONFIG_CONTENT": cloudwatch_agent_config(group.log_group_name),
                "PROMETHEUS_CONFIG_CONTENT": prometheus_config(),
            },
            logging=self._log_driver("cwagent"),
            readonly_root_filesystem=False,
        )
        group.grant_write(task.task_role)
        task.task_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:DescribeLogGroups", "logs:DescribeLogStreams"], resources=["*"]
            )
        )

    def _service(
        self,
        id: str,
        task: ecs.FargateTaskDefinition,
        desired_count: int,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
    ) -> ecs.FargateService:
        return ecs.FargateService(
            self,
            id,
            cluster=self.cluster,
            task_definition=task,
            desired_count=desired_count,
            vpc_subnets=subnets,
            security_groups=[security_group],
            assign_public_ip=False,
            platform_version=ecs.FargatePlatformVersion.LATEST,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            min_healthy_percent=100,
            max_healthy_percent=200,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            enable_ecs_managed_tags=True,
            health_check_grace_period=Duration.seconds(60) if task is self.api_task else None,
        )

    def _cpu_scaling(
        self, service: ecs.FargateService, desired_count: int
    ) -> ecs.ScalableTaskCount:
        scaling = service.auto_scale_task_count(
            min_capacity=desired_count,
            max_capacity=max(desired_count * TASKS_MAX_FACTOR, TASKS_MAX_FLOOR),
        )
        scaling.scale_on_cpu_utilization(
            "Cpu",
            target_utilization_percent=CPU_TARGET_PERCENT,
            scale_out_cooldown=SCALE_OUT_COOLDOWN,
            scale_in_cooldown=SCALE_IN_COOLDOWN,
        )
        return scaling

    def _request_scaling(self, scaling: ecs.ScalableTaskCount, rest_api: apigw.RestApi) -> None:
        """Target tracking on requests per task per minute: API Gateway's request count
        divided by the running tasks (an NLB has no per-target request metric)."""
        target = scaling.node.find_child("Target")
        assert isinstance(target, appscaling.ScalableTarget)

        def stat(
            id: str, namespace: str, metric: str, dims: dict[str, str], statistic: str
        ) -> appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty:
            return appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty(
                id=id,
                return_data=False,
                metric_stat=appscaling.CfnScalingPolicy.TargetTrackingMetricStatProperty(
                    metric=appscaling.CfnScalingPolicy.TargetTrackingMetricProperty(
                        namespace=namespace,
                        metric_name=metric,
                        dimensions=[
                            appscaling.CfnScalingPolicy.TargetTrackingMetricDimensionProperty(
                                name=k, value=v
                            )
                            for k, v in dims.items()
                        ],
                    ),
                    stat=statistic,
                ),
            )

        appscaling.CfnScalingPolicy(
            self,
            "ApiRequestScaling",
            policy_name=f"{self.cluster.cluster_name}-api-requests",
            policy_type="TargetTrackingScaling",
            scaling_target_id=target.scalable_target_id,
            target_tracking_scaling_policy_configuration=appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=REQUESTS_PER_TASK_PER_MINUTE_TARGET,
                scale_out_cooldown=int(SCALE_OUT_COOLDOWN.to_seconds()),
                scale_in_cooldown=int(SCALE_IN_COOLDOWN.to_seconds()),
                customized_metric_specification=appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty(
                    metrics=[
                        stat(
                            "requests",
                            "AWS/ApiGateway",
                            "Count",
                            {
                                "ApiName": rest_api.rest_api_name,
                                "Stage": rest_api.deployment_stage.stage_name,
                            },
                            "Sum",
                        ),
                        stat(
                            "tasks",
                            "ECS/ContainerInsights",
                            "RunningTaskCount",
                            {
                                "ClusterName": self.cluster.cluster_name,
                                "ServiceName": self.api_service.service_name,
                            },
                            "Average",
                        ),
                        appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty(
                            id="per_task",
                            expression="requests / tasks",
                            label="API requests per task per minute",
                            return_data=True,
                        ),
                    ]
                ),
            ),
        )


def container_image(
    scope: Construct,
    *,
    image: str | None,
    repository: str | None,
    tag: str,
    name: str,
    removal: RemovalPolicy,
) -> tuple[ecs.ContainerImage, ecr.IRepository | None]:
    """The app image: a full reference, an existing ECR repository, or a new repository."""
    if image is not None:
        return ecs.ContainerImage.from_registry(image), None
    if repository is not None:
        repo = ecr.Repository.from_repository_name(scope, "Repository", repository)
        return ecs.ContainerImage.from_ecr_repository(repo, tag), repo
    created = ecr.Repository(
        scope,
        "Repository",
        repository_name=name,
        image_scan_on_push=True,
        image_tag_mutability=ecr.TagMutability.MUTABLE,  # image_tag defaults to latest
        encryption=ecr.RepositoryEncryption.KMS,
        lifecycle_rules=[ecr.LifecycleRule(max_image_count=50)],
        removal_policy=removal,
        empty_on_delete=removal is RemovalPolicy.DESTROY,
    )
    return ecs.ContainerImage.from_ecr_repository(created, tag), created
