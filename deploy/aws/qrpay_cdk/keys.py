"""Keys: KMS customer managed keys for every store, the app's key-store secret, and, when
``use_cloudhsm`` is set, a CloudHSM v2 cluster for the app's PKCS#11 key store.

CloudFormation has no resource type for CloudHSM v2, so the cluster is created by a custom
resource calling the CloudHSM API. Creating the HSMs and initialising the cluster (signing
its certificate with the bank's own CA, activating it, creating the crypto user whose PIN
the app uses) are manual steps by design; docs/deploy.md lists them.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import ArnFormat, Duration, RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources as cr
from constructs import Construct

HSM_TYPE: Final = "hsm2m.medium"
HSM_PORTS: Final = (2223, 2225)  # the CloudHSM client talks to the HSMs on 2223-2225
HSM_BACKUP_RETENTION_DAYS: Final = 90
PKCS11_LIBRARY: Final = "/opt/cloudhsm/lib/libcloudhsm_pkcs11.so"


class Keys(Construct):
    """``data`` encrypts stores and secrets; ``logs`` encrypts logs, alarms and log delivery;
    ``keystore`` wraps the app's key-store master key (KMS mode)."""

    def __init__(self, scope: Construct, id: str, *, name: str, removal: RemovalPolicy) -> None:
        super().__init__(scope, id)
        self.data = self._key("Data", f"{name} data: database, cache, secrets, search", removal)
        self.logs = self._key("Logs", f"{name} logs: CloudWatch Logs, SNS, log delivery", removal)
        self.keystore = self._key("Keystore", f"{name} key store master key", removal)
        allow_log_services(self.logs)

    def _key(self, id: str, description: str, removal: RemovalPolicy) -> kms.Key:
        return customer_key(self, id, description, removal)


def customer_key(scope: Construct, id: str, description: str, removal: RemovalPolicy) -> kms.Key:
    """A symmetric KMS key, rotated yearly, deleted 30 days after its stack lets it go."""
    return kms.Key(
        scope,
        id,
        description=description,
        enable_key_rotation=True,
        rotation_period=Duration.days(365),
        removal_policy=removal,
        pending_window=Duration.days(30),
    )


def allow_log_services(key: kms.Key) -> None:
    """Let CloudWatch Logs (this region's log groups), CloudWatch alarms and EventBridge use
    the key: encrypted log groups and an encrypted alarm topic need it."""
    stack = Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    for service in ("cloudwatch.amazonaws.com", "events.amazonaws.com"):
        key.grant(iam.ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*")


class AppSecrets(Construct):
    """The app's own secrets. The primary region generates them (replicated to the DR region,
    because a DR region must hash credentials and open sealed keys exactly as the primary
    does); a secondary region imports the replicas by name."""

    NAMES: Final = ("operator-key", "credential-pepper", "keystore-master-key", "origin-verify")

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        keys: Keys,
        create: bool,
        replica_regions: list[str],
        removal: RemovalPolicy,
    ) -> None:
        super().__init__(scope, id)
        self.by_name: dict[str, secretsmanager.ISecret] = {}
        for short in self.NAMES:
            full = f"{name}/{short}"
            key = keys.keystore if short == "keystore-master-key" else keys.data
            self.by_name[short] = (
                secretsmanager.Secret(
                    self,
                    _pascal(short),
                    secret_name=full,
                    encryption_key=key,
                    generate_secret_string=secretsmanager.SecretStringGenerator(
                        password_length=48, exclude_punctuation=True
                    ),
                    replica_regions=replicas(replica_regions),
                    removal_policy=removal,
                )
                if create
                else secretsmanager.Secret.from_secret_name_v2(self, _pascal(short), full)
            )

    @property
    def operator_key(self) -> secretsmanager.ISecret:
        return self.by_name["operator-key"]

    @property
    def credential_pepper(self) -> secretsmanager.ISecret:
        return self.by_name["credential-pepper"]

    @property
    def keystore_master_key(self) -> secretsmanager.ISecret:
        return self.by_name["keystore-master-key"]

    @property
    def origin_verify(self) -> secretsmanager.ISecret:
        return self.by_name["origin-verify"]


class HsmCluster(Construct):
    """A CloudHSM v2 cluster in the isolated subnets, reachable from the app's tasks."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        clients: ec2.ISecurityGroup,
        pin_key: kms.IKey,
    ) -> None:
        super().__init__(scope, id)
        subnet_ids = vpc.select_subnets(subnet_type=subnets.subnet_type, one_per_az=True).subnet_ids
        self.cluster = cr.AwsCustomResource(
            self,
            "Cluster",
            resource_type="Custom::CloudHsmV2Cluster",
            on_create=cr.AwsSdkCall(
                service="CloudHSMV2",
                action="createCluster",
                parameters={
                    "HsmType": HSM_TYPE,
                    "Mode": "FIPS",
                    "SubnetIds": subnet_ids,
                    "BackupRetentionPolicy": {
                        "Type": "DAYS",
                        "Value": str(HSM_BACKUP_RETENTION_DAYS),
                    },
                    "TagList": [{"Key": "Name", "Value": f"{name}-hsm"}],
                },
                physical_resource_id=cr.PhysicalResourceId.from_response("Cluster.ClusterId"),
                output_paths=["Cluster.ClusterId", "Cluster.SecurityGroup"],
            ),
            on_delete=cr.AwsSdkCall(
                service="CloudHSMV2",
                action="deleteCluster",
                parameters={"ClusterId": cr.PhysicalResourceIdReference()},
            ),
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=[
                            "cloudhsm:CreateCluster",
                            "cloudhsm:DeleteCluster",
                            "cloudhsm:DescribeClusters",
                            "cloudhsm:TagResource",
                            "ec2:AuthorizeSecurityGroupEgress",
                            "ec2:AuthorizeSecurityGroupIngress",
                            "ec2:CreateNetworkInterface",
                            "ec2:CreateSecurityGroup",
                            "ec2:DeleteNetworkInterface",
                            "ec2:DeleteSecurityGroup",
                            "ec2:DescribeNetworkInterfaces",
                            "ec2:DescribeSecurityGroups",
                            "ec2:DescribeSubnets",
                            "ec2:DescribeVpcs",
                            "ec2:RevokeSecurityGroupEgress",
                            "ec2:CreateTags",
                            "iam:CreateServiceLinkedRole",
                        ],
                        resources=["*"],
                    )
                ]
            ),
            install_latest_aws_sdk=False,
            timeout=Duration.minutes(5),
        )
        self.cluster_id = self.cluster.get_response_field("Cluster.ClusterId")
        self.security_group_id = self.cluster.get_response_field("Cluster.SecurityGroup")
        ec2.CfnSecurityGroupIngress(
            self,
            "FromApp",
            group_id=self.security_group_id,
            ip_protocol="tcp",
            from_port=HSM_PORTS[0],
            to_port=HSM_PORTS[1],
            source_security_group_id=clients.security_group_id,
            description="qrpay tasks to the HSMs (CloudHSM client)",
        )
        self.pin = secretsmanager.Secret(
            self,
            "CryptoUserPin",
            secret_name=f"{name}/cloudhsm-pin",
            description="user:password of the crypto user; set it after initialising the cluster",
            encryption_key=pin_key,
            secret_string_value=SecretValue.unsafe_plain_text("unset:unset"),
        )
        clients.add_egress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block),
            ec2.Port.tcp_range(*HSM_PORTS),
            "CloudHSM client to the HSMs",
        )


def replicas(regions: list[str]) -> list[secretsmanager.ReplicaRegion] | None:
    """Replicas of a secret for the DR region. They are encrypted with the AWS managed key
    of that region: a customer managed key there is created later, by the DR stack."""
    if not regions:
        return None
    return [secretsmanager.ReplicaRegion(region=region) for region in regions]


def _pascal(text: str) -> str:
    return "".join(part.capitalize() for part in text.split("-"))
