from __future__ import annotations

import pyarrow as pa
import pytest

from fleetlake.lake import open_lake
from fleetlake.schema import TABLES


def lake_contents(uri: str, endpoint_url: str | None = None) -> dict[str, pa.Table]:
    """Every table of a lake, read in day order: two lakes are equal iff these are equal."""
    lake = open_lake(uri, endpoint_url)
    return {name: lake.read(name) for name in TABLES}


def partition_hashes(uri: str) -> dict[tuple[str, str], str | None]:
    """Every partition file's sha256 by (table, day), from the manifest: equal lakes have equal
    files, whatever blocks of days each worker encoded together."""
    lake = open_lake(uri)
    return {
        (name, entry.day.isoformat()): info.sha256
        for entry in lake.manifest.days
        for name, info in entry.tables.items()
    }


def assert_same_contents(a: dict[str, pa.Table], b: dict[str, pa.Table]) -> None:
    for name in TABLES:
        assert a[name].num_rows == b[name].num_rows, name
        assert a[name].equals(b[name]), f"{name} differs"


@pytest.fixture(scope="session")
def tiny_contents(tiny_lake):
    return lake_contents(str(tiny_lake))
