"""The one way this app makes an S3 bucket for its own data: private (all four public
access blocks), TLS only, versioned, encrypted with a KMS key, access-logged, and emptied
on delete only when the stack may delete it."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct


def private_bucket(
    scope: Construct,
    id: str,
    *,
    key: kms.IKey,
    access_logs: s3.IBucket,
    access_logs_prefix: str,
    removal: RemovalPolicy,
    lifecycle: Sequence[s3.LifecycleRule] | None = None,
) -> s3.Bucket:
    return s3.Bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=access_logs_prefix,
        lifecycle_rules=lifecycle,
        removal_policy=removal,
        auto_delete_objects=removal is RemovalPolicy.DESTROY,
    )
