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


def test_a_file_without_one_of_the_tables_columns_is_one_line_not_a_traceback(
    tiny_lake: Path, tmp_path: Path
) -> None:
    import hashlib
    import json

    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from fleetlake.cli import main
    from fleetlake.lake.manifest import day_entry_key

    copy = Path(
        shutil.copytree(tiny_lake, tmp_path / "lake", ignore=shutil.ignore_patterns(".cache"))
    )
    day = open_lake(str(copy)).partition_dates("vehicles")[0]
    path = copy / "vehicles" / f"date={day}" / "part-0.parquet"
    pq.write_table(pq.read_table(path).drop_columns(["fuel_type"]), path)
    entry_path = copy / day_entry_key(day)
    entry = json.loads(entry_path.read_text())  # the manifest agrees with the new file
    entry["tables"]["vehicles"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    entry_path.write_text(json.dumps(entry))
    with pytest.raises(ValidationError, match="part-0.parquet lacks column\\(s\\) fuel_type"):
        open_lake(str(copy)).read_verified("vehicles")
    result = CliRunner().invoke(main, ["validate", "--lake", str(copy)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "lacks column(s) fuel_type" in result.output
