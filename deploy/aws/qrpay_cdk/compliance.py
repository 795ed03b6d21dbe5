"""AWS Config managed rules for what the stacks create: encryption on, nothing public,
logging on. Rules triggered by a change are scoped to the deployment's tag, so they judge
this deployment's resources only; periodic rules cannot be scoped and look at the region.

The rules need an AWS Config recorder in the account and region; docs/deploy.md says how
to turn one on where none exists (one per region, shared by every workload).
"""

from __future__ import annotations

from typing import Final

from aws_cdk import aws_config as config
from constructs import Construct

TAG_KEY: Final = "qrpay:deployment"

# Rules evaluated when a resource changes (scoped to the deployment's tag).
REGIONAL_RULES: Final = (
    "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
    "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
    "S3_BUCKET_SSL_REQUESTS_ONLY",
    "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
    "RDS_STORAGE_ENCRYPTED",
    "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
    "RDS_CLUSTER_MULTI_AZ_ENABLED",
    "RDS_LOGGING_ENABLED",
    "RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
    "ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST",
    "ELASTICACHE_REPL_GRP_ENCRYPTED_IN_TRANSIT",
    "ELASTICACHE_REPL_GRP_REDIS_AUTH_ENABLED",
    "API_GW_ASSOCIATED_WITH_WAF",
    "API_GW_EXECUTION_LOGGING_ENABLED",
    "ECS_TASK_DEFINITION_LOG_CONFIGURATION",
    "ECS_CONTAINERS_NONPRIVILEGED",
    "ECS_NO_ENVIRONMENT_SECRETS",
    "SNS_ENCRYPTED_KMS",
    "WAFV2_LOGGING_ENABLED",
)
OPENSEARCH_RULES: Final = (
    "OPENSEARCH_ENCRYPTED_AT_REST",
    "OPENSEARCH_NODE_TO_NODE_ENCRYPTION_CHECK",
    "OPENSEARCH_IN_VPC_ONLY",
    "OPENSEARCH_HTTPS_REQUIRED",
    "OPENSEARCH_LOGS_TO_CLOUDWATCH",
)
# Environment variables that must come from Secrets Manager, never as plain values.
SECRET_VARIABLES: Final = (
    "QRPAY_DATABASE_URL",
    "QRPAY_REDIS_URL",
    "QRPAY_OPERATOR_KEY",
    "QRPAY_CREDENTIAL_PEPPER",
    "QRPAY_KEYSTORE_MASTER_KEY",
    "QRPAY_PKCS11_PIN",
)
INPUTS: Final = {"ECS_NO_ENVIRONMENT_SECRETS": {"secretKeys": ",".join(SECRET_VARIABLES)}}
# Periodic rules: no scope possible.
PERIODIC_RULES: Final = (
    "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
    "CMK_BACKING_KEY_ROTATION_ENABLED",
    "VPC_FLOW_LOGS_ENABLED",
    "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
)
# CloudFront is a global service whose configuration items are recorded in us-east-1.
EDGE_RULES: Final = (
    "CLOUDFRONT_ASSOCIATED_WITH_WAF",
    "CLOUDFRONT_VIEWER_POLICY_HTTPS",
    "CLOUDFRONT_ACCESSLOGS_ENABLED",
    "CLOUDFRONT_S3_ORIGIN_ACCESS_CONTROL_ENABLED",
    "CLOUDFRONT_TRAFFIC_TO_ORIGIN_ENCRYPTED",
)


class ComplianceRules(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        deployment: str,
        scoped: tuple[str, ...],
        periodic: tuple[str, ...] = (),
    ) -> None:
        super().__init__(scope, id)
        self.rules: list[config.ManagedRule] = []
        tag_scope = config.RuleScope.from_tag(TAG_KEY, deployment)
        for identifier in scoped:
            self.rules.append(
                config.ManagedRule(
                    self,
                    _id(identifier),
                    identifier=identifier,
                    rule_scope=tag_scope,
                    input_parameters=INPUTS.get(identifier),
                )
            )
        for identifier in periodic:
            self.rules.append(
                config.ManagedRule(
                    self,
                    _id(identifier),
                    identifier=identifier,
                    maximum_execution_frequency=config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS,
                )
            )


def _id(identifier: str) -> str:
    return "".join(part.capitalize() for part in identifier.split("_"))
