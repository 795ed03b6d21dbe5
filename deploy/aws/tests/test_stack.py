"""The default deployment (no flags): every piece of the reference architecture is there,
encrypted, private where it should be, protected by WAF and watched by alarms."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match

from tests.conftest import Synthesis, one, resources

MANAGED_GROUPS = {
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
}
APP_SECRETS = {
    "QRPAY_DATABASE_URL",
    "QRPAY_REDIS_URL",
    "QRPAY_OPERATOR_KEY",
    "QRPAY_CREDENTIAL_PEPPER",
    "QRPAY_KEYSTORE_MASTER_KEY",
}


def _web_acl_checks(acl: dict[str, Any], scope: str) -> None:
    props = acl["Properties"]
    assert props["Scope"] == scope
    groups = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in props["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert groups == MANAGED_GROUPS
    rate = [r for r in props["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert len(rate) == 1
    assert rate[0]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rate[0]["Statement"]["RateBasedStatement"]["Limit"] == 2000
    assert "Block" in rate[0]["Action"]
    metrics_block = [r for r in props["Rules"] if r["Name"] == "BlockMetricsPath"]
    assert metrics_block[0]["Statement"]["ByteMatchStatement"]["SearchString"] == "/metrics"


# -- stacks and regions ------------------------------------------------------------------


def test_edge_stack_is_in_us_east_1_and_primary_in_the_chosen_region(default: Synthesis) -> None:
    assert default.regions == {"Edge": "us-east-1", "Primary": "eu-west-1"}


# -- edge: WAF, CloudFront, S3 ----------------------------------------------------------------


def test_cloudfront_web_acl_has_managed_rules_and_a_rate_limit(default: Synthesis) -> None:
    _web_acl_checks(one(default["Edge"], "AWS::WAFv2::WebACL"), "CLOUDFRONT")
    default["Edge"].resource_count_is("AWS::WAFv2::LoggingConfiguration", 1)


def test_distribution_uses_the_edge_web_acl_and_https(default: Synthesis) -> None:
    config = one(default["Primary"], "AWS::CloudFront::Distribution")["Properties"][
        "DistributionConfig"
    ]
    web_acl = config["WebACLId"]
    assert "Fn::GetAtt" in web_acl  # read across regions from the us-east-1 stack
    assert web_acl["Fn::GetAtt"][0].startswith("ExportsReader")
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
    assert config["CacheBehaviors"][0]["PathPattern"] == "/static/*"
    assert config["CacheBehaviors"][0]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "Logging" in config


def test_static_assets_come_from_a_private_bucket_through_origin_access_control(
    default: Synthesis,
) -> None:
    t = default["Primary"]
    oac = one(t, "AWS::CloudFront::OriginAccessControl")["Properties"]
    assert oac["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    assert oac["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    config = one(t, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    s3_origins = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert len(s3_origins) == 1
    assert "OriginAccessControlId" in s3_origins[0]
    assert s3_origins[0]["S3OriginConfig"].get("OriginAccessIdentity", "") == ""


def test_api_origin_carries_the_origin_verify_secret(default: Synthesis) -> None:
    config = one(default["Primary"], "AWS::CloudFront::Distribution")["Properties"][
        "DistributionConfig"
    ]
    api_origins = [o for o in config["Origins"] if "CustomOriginConfig" in o]
    assert len(api_origins) == 1
    assert api_origins[0]["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    headers = {h["HeaderName"]: h["HeaderValue"] for h in api_origins[0]["OriginCustomHeaders"]}
    assert "{{resolve:secretsmanager:" in json.dumps(headers["Referer"])


def test_every_bucket_blocks_public_access_enforces_tls_and_is_encrypted(
    default: Synthesis,
) -> None:
    for template in default.templates.values():
        for name, bucket in resources(template, "AWS::S3::Bucket").items():
            props = bucket["Properties"]
            assert props["PublicAccessBlockConfiguration"] == {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            }, name
            assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], name
        policies = resources(template, "AWS::S3::BucketPolicy")
        assert len(policies) == len(resources(template, "AWS::S3::Bucket"))
        for name, policy in policies.items():
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
            assert any(
                s["Effect"] == "Deny"
                and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
                for s in statements
            ), name
            for s in statements:
                assert not (s["Effect"] == "Allow" and s.get("Principal") in ("*", {"AWS": "*"})), (
                    name
                )


def test_static_bucket_is_readable_by_this_distribution_only(default: Synthesis) -> None:
    t = default["Primary"]
    statements = [
        s
        for p in resources(t, "AWS::S3::BucketPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    ]
    assert len(statements) == 1
    assert "AWS:SourceArn" in statements[0]["Condition"]["StringEquals"]


# -- API: API Gateway, VPC link, NLB --------------------------------------------------------


def test_api_gateway_is_regional_with_a_resource_policy(default: Synthesis) -> None:
    props = one(default["Primary"], "AWS::ApiGateway::RestApi")["Properties"]
    assert props["EndpointConfiguration"]["Types"] == ["REGIONAL"]
    deny = [s for s in props["Policy"]["Statement"] if s["Effect"] == "Deny"]
    assert len(deny) == 1
    assert "aws:Referer" in deny[0]["Condition"]["StringNotEquals"]
    assert "NotIpAddress" not in deny[0]["Condition"]  # no allowed_cidrs: CloudFront only


def test_api_stage_has_a_regional_web_acl_and_access_logs(default: Synthesis) -> None:
    t = default["Primary"]
    _web_acl_checks(one(t, "AWS::WAFv2::WebACL"), "REGIONAL")
    association = one(t, "AWS::WAFv2::WebACLAssociation")["Properties"]
    stage_id = next(iter(resources(t, "AWS::ApiGateway::Stage")))
    assert {"Ref": stage_id} in association["ResourceArn"]["Fn::Join"][1]
    stage = one(t, "AWS::ApiGateway::Stage")["Properties"]
    assert stage["StageName"] == "live"
    assert "DestinationArn" in stage["AccessLogSetting"]
    assert stage["TracingEnabled"] is True
    assert stage["MethodSettings"][0]["DataTraceEnabled"] is False


def test_api_reaches_an_internal_nlb_through_a_vpc_link(default: Synthesis) -> None:
    t = default["Primary"]
    nlb = one(t, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert nlb["Type"] == "network"
    assert nlb["Scheme"] == "internal"
    link = one(t, "AWS::ApiGateway::VpcLink")["Properties"]
    assert link["TargetArns"] == [
        {"Ref": next(iter(resources(t, "AWS::ElasticLoadBalancingV2::LoadBalancer")))}
    ]
    t.has_resource_properties(
        "AWS::ApiGateway::Method",
        {"Integration": {"ConnectionType": "VPC_LINK", "Type": "HTTP_PROXY"}},
    )


def test_nlb_checks_readiness_over_http(default: Synthesis) -> None:
    default["Primary"].has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "HealthCheckProtocol": "HTTP",
            "HealthCheckPath": "/readyz",
            "TargetType": "ip",
            "Port": 8000,
        },
    )


# -- compute: ECS on Fargate ----------------------------------------------------------------


def _containers(s: Synthesis) -> dict[str, dict[str, Any]]:
    found = {}
    for task in resources(s["Primary"], "AWS::ECS::TaskDefinition").values():
        for container in task["Properties"]["ContainerDefinitions"]:
            found[container["Name"]] = container
    return found


def test_services_run_on_fargate_in_private_subnets(default: Synthesis) -> None:
    services = resources(default["Primary"], "AWS::ECS::Service")
    assert len(services) == 2
    for service in services.values():
        props = service["Properties"]
        assert props["LaunchType"] == "FARGATE"
        network = props["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert network["AssignPublicIp"] == "DISABLED"
        assert props["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
            "Enable": True,
            "Rollback": True,
        }
    default["Primary"].has_resource_properties(
        "AWS::ECS::Cluster",
        {"ClusterSettings": [{"Name": "containerInsights", "Value": "enhanced"}]},
    )


def test_containers_run_the_documented_commands(default: Synthesis) -> None:
    containers = _containers(default)
    assert containers["api"]["Command"] == [
        "qrpay",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--workers",
        "2",
    ]
    assert containers["worker"]["Command"] == ["qrpay", "worker"]
    assert containers["migrate"]["Command"] == ["qrpay", "migrate"]
    assert "/healthz" in " ".join(containers["api"]["HealthCheck"]["Command"])


def test_app_secrets_come_from_secrets_manager_never_plain_environment(
    default: Synthesis,
) -> None:
    for name in ("api", "worker", "migrate"):
        container = _containers(default)[name]
        secrets = {s["Name"] for s in container["Secrets"]}
        assert secrets == APP_SECRETS, name
        plain = {e["Name"] for e in container["Environment"]}
        assert not plain & APP_SECRETS, name
        assert "QRPAY_PUBLIC_URL" in plain
        assert container["ReadonlyRootFilesystem"] is True
        assert container["LogConfiguration"]["LogDriver"] == "awslogs"


def test_api_scales_on_cpu_and_on_requests_per_task(default: Synthesis) -> None:
    t = default["Primary"]
    assert len(resources(t, "AWS::ApplicationAutoScaling::ScalableTarget")) == 2
    t.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
                }
            }
        },
    )
    policy = [
        p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for p in resources(t, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
        if "CustomizedMetricSpecification"
        in p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    ]
    assert len(policy) == 1
    names = {
        m["MetricStat"]["Metric"]["MetricName"]
        for m in policy[0]["CustomizedMetricSpecification"]["Metrics"]
        if "MetricStat" in m
    }
    assert names == {"Count", "RunningTaskCount"}


# -- data: Aurora and ElastiCache -----------------------------------------------------------


def test_aurora_is_encrypted_private_and_in_two_zones(default: Synthesis) -> None:
    t = default["Primary"]
    cluster = one(t, "AWS::RDS::DBCluster")["Properties"]
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["StorageEncrypted"] is True
    assert "KmsKeyId" in cluster
    assert cluster["DeletionProtection"] is False  # default for demos; see deletion_protection
    assert cluster["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0.5
    assert "{{resolve:secretsmanager:" in json.dumps(cluster["MasterUserPassword"])
    instances = resources(t, "AWS::RDS::DBInstance")
    assert len(instances) == 2
    for instance in instances.values():
        assert instance["Properties"]["PubliclyAccessible"] is False
        assert instance["Properties"]["DBInstanceClass"] == "db.serverless"
    t.has_resource_properties(
        "AWS::RDS::DBClusterParameterGroup", {"Parameters": {"rds.force_ssl": "1"}}
    )


def test_aurora_and_redis_live_in_isolated_subnets(default: Synthesis) -> None:
    t = default["Primary"]
    isolated = {
        name
        for name, subnet in resources(t, "AWS::EC2::Subnet").items()
        if {"Key": "aws-cdk:subnet-type", "Value": "Isolated"} in subnet["Properties"]["Tags"]
    }
    assert len(isolated) == 2
    db_subnets = one(t, "AWS::RDS::DBSubnetGroup")["Properties"]["SubnetIds"]
    cache_subnets = one(t, "AWS::ElastiCache::SubnetGroup")["Properties"]["SubnetIds"]
    for subnets in (db_subnets, cache_subnets):
        assert {s["Ref"] for s in subnets} == isolated


def test_redis_is_encrypted_in_transit_and_at_rest_across_two_zones(default: Synthesis) -> None:
    props = one(default["Primary"], "AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert props["TransitEncryptionEnabled"] is True
    assert props["AtRestEncryptionEnabled"] is True
    assert props["MultiAZEnabled"] is True
    assert props["AutomaticFailoverEnabled"] is True
    assert props["NumCacheClusters"] == 2
    assert "KmsKeyId" in props
    assert "{{resolve:secretsmanager:" in json.dumps(props["AuthToken"])


def test_connection_urls_are_assembled_in_secrets(default: Synthesis) -> None:
    secrets = resources(default["Primary"], "AWS::SecretsManager::Secret")
    by_name = {s["Properties"].get("Name"): s["Properties"] for s in secrets.values()}
    redis = json.dumps(by_name["qrpay/redis-url"]["SecretString"])
    assert redis.startswith('{"Fn::Join": ["", ["rediss://:{{resolve:secretsmanager:')
    database = json.dumps(by_name["qrpay/database-url"]["SecretString"])
    assert "postgresql://" in database
    assert "ssl=require" in database
    for props in by_name.values():
        assert "KmsKeyId" in props


# -- network and keys -------------------------------------------------------------------------


def test_no_security_group_accepts_the_internet(default: Synthesis) -> None:
    rules = []
    for template in default.templates.values():
        rules += [
            (name, rule)
            for name, group in resources(template, "AWS::EC2::SecurityGroup").items()
            for rule in group["Properties"].get("SecurityGroupIngress", [])
        ]
        rules += [
            (name, ingress["Properties"])
            for name, ingress in resources(template, "AWS::EC2::SecurityGroupIngress").items()
        ]
    assert len(rules) >= 3  # NLB from the VPC, tasks from the NLB, data stores from the tasks
    for name, rule in rules:
        assert rule.get("CidrIp") != "0.0.0.0/0", name
        assert rule.get("CidrIpv6") != "::/0", name


def test_vpc_has_flow_logs_and_a_closed_default_security_group(default: Synthesis) -> None:
    t = default["Primary"]
    t.resource_count_is("AWS::EC2::FlowLog", 1)
    t.resource_count_is("Custom::VpcRestrictDefaultSG", 1)


def test_kms_keys_rotate(default: Synthesis) -> None:
    for template in default.templates.values():
        for key in resources(template, "AWS::KMS::Key").values():
            assert key["Properties"]["EnableKeyRotation"] is True


def test_no_cloudhsm_or_opensearch_unless_asked(default: Synthesis) -> None:
    t = default["Primary"]
    assert resources(t, "Custom::CloudHsmV2Cluster") == {}
    assert resources(t, "AWS::OpenSearchService::Domain") == {}


# -- observability ------------------------------------------------------------------------------


def test_every_log_group_is_encrypted_and_expires(default: Synthesis) -> None:
    for template in default.templates.values():
        for name, group in resources(template, "AWS::Logs::LogGroup").items():
            assert group["Properties"]["RetentionInDays"] == 90, name
            assert "KmsKeyId" in group["Properties"], name


def test_service_logs_are_shipped_to_s3(default: Synthesis) -> None:
    t = default["Primary"]
    stream = one(t, "AWS::KinesisFirehose::DeliveryStream")["Properties"]
    assert "ExtendedS3DestinationConfiguration" in stream
    assert stream["DeliveryStreamEncryptionConfigurationInput"]["KeyType"] == "CUSTOMER_MANAGED_CMK"
    assert len(resources(t, "AWS::Logs::SubscriptionFilter")) == 4  # api, worker, migrate, agent


def _alarm_metrics(alarm: dict[str, Any]) -> set[str]:
    props = alarm["Properties"]
    if "MetricName" in props:
        return {props["MetricName"]}
    return {m["MetricStat"]["Metric"]["MetricName"] for m in props["Metrics"] if "MetricStat" in m}


def test_alarms_watch_each_listed_metric_and_notify_the_topic(default: Synthesis) -> None:
    t = default["Primary"]
    topic = next(iter(resources(t, "AWS::SNS::Topic")))
    alarms = resources(t, "AWS::CloudWatch::Alarm")
    watched = {}
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic}], name
        for metric in _alarm_metrics(alarm):
            watched[metric] = alarm["Properties"]
    assert set(watched) == {
        "5XXError",
        "Latency",
        "qrpay_payments_total",
        "qrpay_webhook_backlog",
        "CPUUtilization",
        "DatabaseConnections",
        "HealthyHostCount",
    }
    assert watched["Latency"]["ExtendedStatistic"] == "p99"
    assert watched["CPUUtilization"]["Namespace"] == "AWS/RDS"
    failure = watched["qrpay_payments_total"]["Metrics"]
    assert any("Expression" in m and "bad" in m["Expression"] for m in failure)


def test_alarm_topic_is_encrypted_and_a_dashboard_exists(default: Synthesis) -> None:
    t = default["Primary"]
    t.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    t.resource_count_is("AWS::CloudWatch::Dashboard", 1)


# -- compliance -----------------------------------------------------------------------------------


def _rules(template: Any) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["Source"]["SourceIdentifier"]: r["Properties"]
        for r in resources(template, "AWS::Config::ConfigRule").values()
    }


def test_config_rules_cover_encryption_public_access_and_logging(default: Synthesis) -> None:
    rules = _rules(default["Primary"])
    for identifier in (
        "RDS_STORAGE_ENCRYPTED",
        "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
        "ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST",
        "ELASTICACHE_REPL_GRP_ENCRYPTED_IN_TRANSIT",
        "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
        "S3_BUCKET_SSL_REQUESTS_ONLY",
        "API_GW_ASSOCIATED_WITH_WAF",
        "API_GW_EXECUTION_LOGGING_ENABLED",
        "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
        "VPC_FLOW_LOGS_ENABLED",
        "WAFV2_LOGGING_ENABLED",
    ):
        assert identifier in rules, identifier
    assert rules["RDS_STORAGE_ENCRYPTED"]["Scope"] == {
        "TagKey": "qrpay:deployment",
        "TagValue": "qrpay",
    }
    edge = _rules(default["Edge"])
    assert "CLOUDFRONT_ASSOCIATED_WITH_WAF" in edge
    assert "CLOUDFRONT_S3_ORIGIN_ACCESS_CONTROL_ENABLED" in edge


def test_secret_variables_rule_names_every_secret(default: Synthesis) -> None:
    rule = _rules(default["Primary"])["ECS_NO_ENVIRONMENT_SECRETS"]
    assert set(rule["InputParameters"]["secretKeys"].split(",")) >= APP_SECRETS


def test_outputs_include_the_migration_command(default: Synthesis) -> None:
    outputs = default.json("Primary")["Outputs"]
    assert "aws ecs run-task" in json.dumps(outputs["MigrateCommand"])
