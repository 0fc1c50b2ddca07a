"""An s3:// lake on moto's HTTP server: same contents as local, shards without a shared writer."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from fleetlake.cli import main
from fleetlake.errors import StorageError
from fleetlake.lake import open_lake
from fleetlake.lake.validate import validate_lake
from fleetlake.pipeline import Shard, generate_lake, simulate_lake
from tests.lake.conftest import assert_same_contents, lake_contents

pytestmark = pytest.mark.s3


def test_s3_lake_equals_local_lake_and_validates(s3_bucket, moto_endpoint, tmp_path):
    uri, local = f"s3://{s3_bucket}/fleet", str(tmp_path / "local")
    generate_lake(uri, sf=0.05, seed=42, days=60, workers=2, endpoint_url=moto_endpoint)
    generate_lake(local, sf=0.05, seed=42, days=60, workers=2)
    assert_same_contents(lake_contents(uri, moto_endpoint), lake_contents(local))
    report = validate_lake(open_lake(uri, moto_endpoint))
    assert report.ok, [str(v) for v in report.violations]


def test_shards_write_disjoint_days_of_one_lake(s3_bucket, moto_endpoint, tmp_path):
    uri = f"s3://{s3_bucket}/sharded"
    for k in (1, 2, 3):
        generate_lake(
            uri,
            sf=0.1,
            seed=9,
            days=40,
            shard=Shard.parse(f"{k}/3"),
            endpoint_url=moto_endpoint,
            workers=1,
        )
    whole = str(tmp_path / "whole")
    generate_lake(whole, sf=0.1, seed=9, days=40, workers=2)
    assert_same_contents(lake_contents(uri, moto_endpoint), lake_contents(whole))
    simulate_lake(uri, days=2, endpoint_url=moto_endpoint, workers=1)
    assert open_lake(uri, moto_endpoint).manifest.end.isoformat() == "2024-02-12"


def test_polars_reads_the_s3_lake(s3_bucket, moto_endpoint):
    import polars as pl

    uri = f"s3://{s3_bucket}/pl"
    generate_lake(uri, sf=0.05, seed=1, days=5, endpoint_url=moto_endpoint, workers=1)
    frame = pl.scan_parquet(
        f"{uri}/trips/",
        hive_partitioning=True,
        storage_options={
            "aws_endpoint_url": moto_endpoint,
            "aws_allow_http": "true",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "aws_region": "us-east-1",
        },
    ).collect()
    assert frame.height == open_lake(uri, moto_endpoint).read("trips").num_rows


def test_missing_bucket_is_a_clear_error(moto_endpoint):
    with pytest.raises(StorageError, match="bucket 'no-such-bucket' does not exist"):
        generate_lake("s3://no-such-bucket/x", sf=0.01, days=1, endpoint_url=moto_endpoint)


def test_unreachable_endpoint_is_one_line_and_non_zero():
    result = CliRunner().invoke(
        main,
        ["gen", "--sf", "0.01", "--days", "1", "--lake", "s3://bucket/x"],
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"},
    )
    assert result.exit_code != 0
    assert result.output.startswith("error: cannot reach S3") and result.output.count("\n") == 1


def test_a_saved_verdict_on_s3_is_reused_from_one_listing_and_a_rewritten_object_noticed(
    s3_bucket, moto_endpoint, tmp_path, monkeypatch
):
    from fleetlake.lake import saved_validation
    from fleetlake.lake.storage import S3Storage

    monkeypatch.setenv("FLEETLAKE_CACHE_DIR", str(tmp_path / "cache"))
    uri = f"s3://{s3_bucket}/saved"
    generate_lake(uri, sf=0.05, seed=3, days=4, endpoint_url=moto_endpoint, workers=1)
    assert saved_validation.validate_and_save(open_lake(uri, moto_endpoint)).ok
    lake = open_lake(uri, moto_endpoint)
    files = sorted(info.file for info in lake.partitions("deliveries").values())

    def no_partition_reads(self, key):
        assert "/date=" not in key, f"read {key} to reuse a saved verdict"
        return original(self, key)

    original = S3Storage.read_bytes
    monkeypatch.setattr(S3Storage, "read_bytes", no_partition_reads)
    assert saved_validation.saved_validation(lake) is not None
    monkeypatch.setattr(S3Storage, "read_bytes", original)
    lake.storage.write_bytes(files[0], lake.storage.read_bytes(files[1]))  # behind the manifest
    assert saved_validation.saved_validation(open_lake(uri, moto_endpoint)) is None
    report = saved_validation.validation_of(open_lake(uri, moto_endpoint))
    assert "manifest: partition files" in {v.rule for v in report.violations}
