"""``dr_region``: a second regional stack, an Aurora global database, replicated secrets,
and Route 53 failover records driven by health checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import DOMAIN, Synthesis, one, resources


def test_three_stacks_in_their_regions(dr: Synthesis) -> None:
    assert dr.regions == {"Edge": "us-east-1", "Primary": "eu-west-1", "Dr": "eu-central-1"}


def test_dr_stack_deploys_after_the_primary(dr: Synthesis) -> None:
    manifest = json.loads((Path(dr.outdir) / "manifest.json").read_text())
    assert "Primary" in manifest["artifacts"]["Dr"]["dependencies"]


def test_primary_cluster_is_the_source_of_a_global_database(dr: Synthesis) -> None:
    t = dr["Primary"]
    global_cluster = one(t, "AWS::RDS::GlobalCluster")["Properties"]
    assert global_cluster["GlobalClusterIdentifier"] == "qrpay-global"
    assert global_cluster["SourceDBClusterIdentifier"] == {
        "Ref": next(iter(resources(t, "AWS::RDS::DBCluster")))
    }


def test_secondary_cluster_joins_it_encrypted_without_own_credentials(dr: Synthesis) -> None:
    cluster = one(dr["Dr"], "AWS::RDS::DBCluster")["Properties"]
    assert cluster["GlobalClusterIdentifier"] == "qrpay-global"
    assert cluster["StorageEncrypted"] is True
    assert "KmsKeyId" in cluster
    assert "MasterUsername" not in cluster
    assert "MasterUserPassword" not in cluster
    assert len(resources(dr["Dr"], "AWS::RDS::DBInstance")) == 2


def test_shared_secrets_are_replicated_to_the_dr_region(dr: Synthesis) -> None:
    replicated = {
        s["Properties"]["Name"]
        for s in resources(dr["Primary"], "AWS::SecretsManager::Secret").values()
        if s["Properties"].get("ReplicaRegions") == [{"Region": "eu-central-1"}]
    }
    assert replicated == {
        "qrpay/database",
        "qrpay/operator-key",
        "qrpay/credential-pepper",
        "qrpay/keystore-master-key",
        "qrpay/origin-verify",
    }
    assert resources(dr["Dr"], "AWS::SecretsManager::Secret")  # its own URLs and Redis token
    names = {
        s["Properties"]["Name"] for s in resources(dr["Dr"], "AWS::SecretsManager::Secret").values()
    }
    assert names.isdisjoint(replicated)


def _api_records(s: Synthesis, stack: str) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in resources(s[stack], "AWS::Route53::RecordSet").values()
        if r["Properties"]["Name"] == f"api-origin.{DOMAIN}."
    ]


def test_api_origin_fails_over_between_regions_on_health_checks(dr: Synthesis) -> None:
    for stack, role in (("Primary", "PRIMARY"), ("Dr", "SECONDARY")):
        records = _api_records(dr, stack)
        assert len(records) == 1, stack
        assert records[0]["Failover"] == role
        health_id = next(iter(resources(dr[stack], "AWS::Route53::HealthCheck")))
        assert records[0]["HealthCheckId"] == {"Fn::GetAtt": [health_id, "HealthCheckId"]}
        check = one(dr[stack], "AWS::Route53::HealthCheck")["Properties"]["HealthCheckConfig"]
        assert check["Type"] == "CLOUDWATCH_METRIC"
        assert check["AlarmIdentifier"]["Region"] == dr.regions[stack]


def test_cloudfront_lives_in_the_primary_only(dr: Synthesis) -> None:
    assert len(resources(dr["Primary"], "AWS::CloudFront::Distribution")) == 1
    assert resources(dr["Dr"], "AWS::CloudFront::Distribution") == {}


def test_dr_region_runs_the_same_regional_pieces(dr: Synthesis) -> None:
    t = dr["Dr"]
    for kind in (
        "AWS::ECS::Service",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::ApiGateway::RestApi",
        "AWS::WAFv2::WebACLAssociation",
        "AWS::CloudWatch::Alarm",
        "AWS::Config::ConfigRule",
    ):
        assert resources(t, kind), kind
    policy = one(t, "AWS::ApiGateway::RestApi")["Properties"]["Policy"]
    assert "qrpay/origin-verify" in json.dumps(policy)  # the replica, by name
