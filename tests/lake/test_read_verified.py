"""``Lake.read_verified``: the manifest check that ``validate`` makes, for readers of partitions."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from fleetlake.errors import ValidationError
from fleetlake.lake import open_lake


def test_verified_rows_equal_plain_rows_and_days_select_partitions(tiny_lake: Path) -> None:
    lake = open_lake(str(tiny_lake))
    assert lake.read_verified("trips").equals(lake.read("trips"))
    days = lake.partition_dates("trips")[3:5]
    expected = pa.concat_tables(lake.read("trips", d, d + timedelta(days=1)) for d in days)
    assert lake.read_verified("trips", reversed(days)).equals(expected)  # in day order
    assert lake.read_verified("trips", []).num_rows == 0
    assert lake.current("routes", verified=True).equals(lake.current("routes"))


def test_the_first_file_that_fails_is_named_with_validates_words(
    tiny_lake: Path, tmp_path: Path
) -> None:
    copy = Path(shutil.copytree(tiny_lake, tmp_path / "lake"))
    lake = open_lake(str(copy))
    first, second = lake.partition_dates("deliveries")[:2]
    (copy / "deliveries" / f"date={second}" / "part-0.parquet").unlink()
    with pytest.raises(
        ValidationError, match=f"deliveries/date={second}/part-0.parquet is missing"
    ):
        lake.read_verified("deliveries")
    assert lake.read_verified("deliveries", [first]).num_rows > 0
