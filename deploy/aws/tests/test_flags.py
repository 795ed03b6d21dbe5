"""Every flag on except ``dr_region``: domain, allowed ranges, provisioned Aurora, CloudHSM,
OpenSearch, deletion protection, alarm e-mail, image and task counts."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ALLOWED_CIDRS, DOMAIN, Synthesis, one, resources


def _container(s: Synthesis, name: str) -> dict[str, Any]:
    for task in resources(s["Primary"], "AWS::ECS::TaskDefinition").values():
        for container in task["Properties"]["ContainerDefinitions"]:
            if container["Name"] == name:
                return dict(container)
    raise AssertionError(name)


def test_api_policy_admits_the_allowed_ranges(flagged: Synthesis) -> None:
    policy = one(flagged["Primary"], "AWS::ApiGateway::RestApi")["Properties"]["Policy"]
    deny = next(s for s in policy["Statement"] if s["Effect"] == "Deny")
    assert deny["Condition"]["NotIpAddress"]["aws:SourceIp"] == list(ALLOWED_CIDRS)
    assert "aws:Referer" in deny["Condition"]["StringNotEquals"]


def test_domain_gets_certificates_and_dns_records(flagged: Synthesis) -> None:
    edge = flagged["Edge"]
    edge.has_resource_properties("AWS::CertificateManager::Certificate", {"DomainName": DOMAIN})
    t = flagged["Primary"]
    t.has_resource_properties(
        "AWS::CertificateManager::Certificate", {"DomainName": f"api-origin.{DOMAIN}"}
    )
    config = one(t, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    assert config["Aliases"] == [DOMAIN]
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    api_origin = next(o for o in config["Origins"] if "CustomOriginConfig" in o)
    assert api_origin["DomainName"] == f"api-origin.{DOMAIN}"
    records = {
        (r["Properties"]["Name"], r["Properties"]["Type"])
        for r in resources(t, "AWS::Route53::RecordSet").values()
    }
    assert {(f"{DOMAIN}.", "A"), (f"{DOMAIN}.", "AAAA"), (f"api-origin.{DOMAIN}.", "A")} <= records
    for record in resources(t, "AWS::Route53::RecordSet").values():
        assert "Failover" not in record["Properties"]  # no dr_region: simple records
    domain = one(t, "AWS::ApiGateway::DomainName")["Properties"]
    assert domain["SecurityPolicy"] == "TLS_1_2"
    assert one(t, "AWS::ApiGateway::RestApi")["Properties"]["DisableExecuteApiEndpoint"] is True


def test_public_url_is_the_domain(flagged: Synthesis) -> None:
    env = {e["Name"]: e["Value"] for e in _container(flagged, "api")["Environment"]}
    assert env["QRPAY_PUBLIC_URL"] == f"https://{DOMAIN}"


def test_provisioned_aurora_uses_instances_not_capacity_units(flagged: Synthesis) -> None:
    t = flagged["Primary"]
    cluster = one(t, "AWS::RDS::DBCluster")["Properties"]
    assert "ServerlessV2ScalingConfiguration" not in cluster
    assert cluster["DeletionProtection"] is True
    for instance in resources(t, "AWS::RDS::DBInstance").values():
        assert instance["Properties"]["DBInstanceClass"] == "db.r6g.large"


def test_deletion_protection_keeps_data_when_the_stack_goes(flagged: Synthesis) -> None:
    t = flagged["Primary"]
    assert one(t, "AWS::RDS::DBCluster")["DeletionPolicy"] == "Snapshot"
    assert one(t, "AWS::ElastiCache::ReplicationGroup")["DeletionPolicy"] == "Retain"
    for bucket in resources(t, "AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"


def test_cloudhsm_cluster_is_created_and_reachable_from_the_tasks(flagged: Synthesis) -> None:
    t = flagged["Primary"]
    hsm = one(t, "Custom::CloudHsmV2Cluster")["Properties"]
    create = json.dumps(hsm["Create"])
    assert "createCluster" in create
    assert "hsm2m.medium" in create
    assert "deleteCluster" in json.dumps(hsm["Delete"])
    t.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "FromPort": 2223,
            "ToPort": 2225,
            "IpProtocol": "tcp",
            "GroupId": {
                "Fn::GetAtt": [
                    next(iter(resources(t, "Custom::CloudHsmV2Cluster"))),
                    "Cluster.SecurityGroup",
                ]
            },
        },
    )


def test_with_cloudhsm_the_app_uses_pkcs11(flagged: Synthesis) -> None:
    container = _container(flagged, "api")
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert env["QRPAY_KEYSTORE_BACKEND"] == "pkcs11"
    assert env["QRPAY_PKCS11_LIBRARY"].endswith("libcloudhsm_pkcs11.so")
    assert "QRPAY_CLOUDHSM_CLUSTER_ID" in env
    secrets = {s["Name"] for s in container["Secrets"]}
    assert "QRPAY_PKCS11_PIN" in secrets
    assert "QRPAY_KEYSTORE_MASTER_KEY" not in secrets


def test_opensearch_domain_is_encrypted_private_and_fed_by_the_logs(flagged: Synthesis) -> None:
    t = flagged["Primary"]
    domain = one(t, "AWS::OpenSearchService::Domain")["Properties"]
    assert domain["EncryptionAtRestOptions"]["Enabled"] is True
    assert "KmsKeyId" in domain["EncryptionAtRestOptions"]
    assert domain["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert domain["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert len(domain["VPCOptions"]["SubnetIds"]) == 2
    assert domain["ClusterConfig"]["ZoneAwarenessEnabled"] is True
    stream = one(t, "AWS::KinesisFirehose::DeliveryStream")["Properties"]
    destination = stream["AmazonopensearchserviceDestinationConfiguration"]
    assert destination["S3BackupMode"] == "AllDocuments"
    assert "VpcConfiguration" in destination
    filters = resources(t, "AWS::Logs::SubscriptionFilter")
    stream_id = next(iter(resources(t, "AWS::KinesisFirehose::DeliveryStream")))
    assert filters
    for f in filters.values():
        assert f["Properties"]["DestinationArn"] == {"Fn::GetAtt": [stream_id, "Arn"]}
    rules = {
        r["Properties"]["Source"]["SourceIdentifier"]
        for r in resources(t, "AWS::Config::ConfigRule").values()
    }
    assert {"OPENSEARCH_ENCRYPTED_AT_REST", "OPENSEARCH_IN_VPC_ONLY"} <= rules


def test_alarm_email_subscribes_to_the_topic(flagged: Synthesis) -> None:
    flagged["Primary"].has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_image_and_task_counts_come_from_context(flagged: Synthesis) -> None:
    assert _container(flagged, "api")["Image"] == "public.ecr.aws/example/qrpay:1.2.3"
    counts = sorted(
        s["Properties"]["DesiredCount"]
        for s in resources(flagged["Primary"], "AWS::ECS::Service").values()
    )
    assert counts == [2, 3]
    assert resources(flagged["Primary"], "AWS::ECR::Repository") == {}
