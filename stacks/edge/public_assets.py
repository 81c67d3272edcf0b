"""The assets bucket's public images (avatars/, logos/) served at their keys through origin access control,
cached: the card page links them at https://<edge>/avatars/... (ASSETS_BASE_URL). The bucket lives in the
platform region; its policy (StorageStack) lets this distribution read those prefixes and nothing else."""

from __future__ import annotations

from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.storage import PUBLIC_ASSET_PREFIXES


class PublicAssets(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, bucket_name: str, region: str) -> None:
        super().__init__(scope, construct_id)
        bucket = s3.Bucket.from_bucket_attributes(self, "AssetsBucket", bucket_name=bucket_name, region=region)
        origin = origins.S3BucketOrigin.with_origin_access_control(bucket, origin_access_levels=[cloudfront.AccessLevel.READ])
        self.behaviours = {
            f"/{prefix}*": cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            )
            for prefix in PUBLIC_ASSET_PREFIXES
        }
