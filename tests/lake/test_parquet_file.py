"""The lake's own Parquet encoder: pyarrow, DuckDB and polars read from its files exactly what
they read from pyarrow's writer, statistics included; a day's file depends only on its rows."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fleetlake.gen import World, generate_block
from fleetlake.lake.parquet_file import CREATED_BY, encode_ranges, encode_table, pyarrow_file
from fleetlake.lake.writer import statistics_columns
from fleetlake.schema import STREAM_TABLES

SCHEMA = pa.schema(
    [
        ("row_id", pa.int32(), False),
        ("big_id", pa.int64()),
        ("speed", pa.float64()),
        ("day", pa.date32()),
        ("seen_at", pa.timestamp("us")),
        ("name", pa.string()),
        ("code", pa.string(), False),
        ("money", pa.decimal128(10, 2)),
        ("hours", pa.decimal128(5, 2)),
        ("signed", pa.bool_()),
        ("huge", pa.decimal128(38, 4)),
    ]
)
STATISTICS = frozenset({"row_id", "big_id", "day", "seen_at"})
AT = datetime(2024, 3, 1, 8, 30, 15, 123456)
HUGE = "1234567890123456789012345678901234.5678"  # decimal128(38, 4): 16 bytes
ROWS = [
    # range 0: 3 rows, one null in every nullable column
    (1, 2**40, 1.5, date(2024, 1, 1), AT, "Bogotá", "C01", "12345678.90", "999.99", True, HUGE),
    (-7, None, None, None, None, None, "C02", None, None, None, None),
    (
        3,
        -(2**40),
        -0.0,
        date(1969, 12, 31),
        datetime(1969, 1, 1),
        "",
        "C03",
        "-0.01",
        "-999.99",
        False,
        "-" + HUGE,
    ),
    # range 1: empty
    # range 2: 5 rows; no day and no time at all (statistics without min/max)
    (4, 5, 2.25, None, None, "Medellín", "C04", "99999999.99", "0.00", False, "0.0001"),
    (5, 6, 3.0, None, None, "Cali", "C05", "-99999999.99", "1.00", True, "-0.0001"),
    (6, 7, 4.0, None, None, "ñ" * 40, "C06", "0.00", "2.50", None, None),
    (7, 8, 5.0, None, None, "Barranquilla", "C07", "1.00", "3.75", True, "1.0000"),
    (8, 9, 6.0, None, None, "Cartagena", "C08", "2.00", "4.00", True, "2.0000"),
    # range 3: 4 rows, no nulls
    (9, 10, 7.0, date(2025, 6, 30), AT, "a", "C09", "3.00", "5.00", False, "3.0000"),
    (10, 11, 8.0, date(2025, 7, 1), AT, "bb", "C10", "4.00", "6.00", True, "4.0000"),
    (11, 12, 9.0, date(2025, 7, 2), AT, "ccc", "C11", "5.00", "7.00", True, "5.0000"),
    (12, 13, 10.0, date(2025, 7, 3), AT, "dddd", "C12", "6.00", "8.00", False, "6.0000"),
]
COUNTS = [3, 0, 5, 4]


def sample() -> pa.Table:
    columns = list(zip(*ROWS, strict=True))
    decimal = {"money", "hours", "huge"}
    return pa.table(
        [
            pa.array(
                [Decimal(v) if v is not None and f.name in decimal else v for v in values], f.type
            )
            for f, values in zip(SCHEMA, columns, strict=True)
        ],
        schema=SCHEMA,
    )


def leaf_statistics(data: bytes) -> dict[str, pq.Statistics | None]:
    """Each leaf column's statistics by its path (the waypoints list has two leaves)."""
    group = pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0)
    columns = [group.column(i) for i in range(group.num_columns)]
    return {c.path_in_schema: c.statistics for c in columns}


def read(data: bytes) -> pa.Table:
    return pq.read_table(io.BytesIO(data))


def test_each_range_reads_back_as_its_rows_in_every_reader(tmp_path):
    table = sample()
    files = encode_ranges(table, COUNTS, STATISTICS)
    assert files[1] is None
    start = 0
    for r, count in enumerate(COUNTS):
        if not count:
            continue
        rows = table.slice(start, count)
        start += count
        ours, reference = tmp_path / f"ours-{r}.parquet", tmp_path / f"pyarrow-{r}.parquet"
        ours.write_bytes(files[r])
        reference.write_bytes(pyarrow_file(rows, STATISTICS))
        assert read(files[r]).equals(rows)
        assert read(files[r]).schema.equals(read(reference.read_bytes()).schema)
        assert pl.read_parquet(ours).equals(pl.read_parquet(reference))
        with duckdb.connect() as con:
            for query in (
                "DESCRIBE SELECT * FROM read_parquet('{}')",
                "SELECT * FROM read_parquet('{}') ORDER BY row_id",
                # filters that min/max statistics can answer without reading the rows
                "SELECT count(*) FROM read_parquet('{}') "
                "WHERE row_id > 8 OR day < DATE '2000-01-01'",
                "SELECT count(*) FROM read_parquet('{}') WHERE seen_at >= TIMESTAMP '2024-03-01'",
            ):
                got = con.sql(query.format(ours)).fetchall()
                assert got == con.sql(query.format(reference)).fetchall(), query


def test_statistics_are_pyarrows_on_the_columns_asked_for():
    table = sample()
    files = encode_ranges(table, COUNTS, STATISTICS)
    start = 0
    for r, count in enumerate(COUNTS):
        if not count:
            continue
        ours = pq.ParquetFile(io.BytesIO(files[r])).metadata.row_group(0)
        reference = pq.ParquetFile(
            io.BytesIO(pyarrow_file(table.slice(start, count), STATISTICS))
        ).metadata.row_group(0)
        start += count
        for i, field in enumerate(SCHEMA):
            mine, theirs = ours.column(i).statistics, reference.column(i).statistics
            if field.name not in STATISTICS:
                assert mine is None, field.name
                continue
            assert mine.has_min_max == theirs.has_min_max, (r, field.name)
            assert mine.null_count == theirs.null_count, (r, field.name)
            if theirs.has_min_max:
                assert (mine.min, mine.max) == (theirs.min, theirs.max), (r, field.name)
    for data in filter(None, files):  # fields readers take on trust
        group = pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0)
        chunks = [group.column(i) for i in range(group.num_columns)]
        assert group.total_byte_size == sum(c.total_uncompressed_size for c in chunks)
        assert all(c.file_offset == c.data_page_offset for c in chunks)
        assert chunks[0].data_page_offset == 4  # right after "PAR1"
        assert [set(c.encodings) for c in chunks] == [
            {"PLAIN", "RLE"} if f.nullable else {"PLAIN"} for f in SCHEMA
        ]
    day_and_time = pq.ParquetFile(io.BytesIO(files[2])).metadata.row_group(0)
    assert not day_and_time.column(3).statistics.has_min_max  # range 2 has no day at all
    assert day_and_time.column(3).statistics.null_count == 5


def test_a_file_depends_only_on_its_rows():
    """Workers cut days into other blocks: a day's bytes must not depend on its neighbours."""
    table = sample()
    files = encode_ranges(table, COUNTS, STATISTICS)
    assert files[2] == encode_table(table.slice(3, 5), STATISTICS)
    assert files[3] == encode_ranges(table.slice(3), [5, 4], STATISTICS)[1]
    chunked = pa.concat_tables([table.slice(0, 5), table.slice(5)])  # chunks cut mid-range
    assert chunked.column(0).num_chunks == 2
    assert encode_ranges(chunked, COUNTS, STATISTICS) == files


def test_every_lake_table_is_read_as_pyarrow_would_write_it():
    block = generate_block(World(seed=3, sf=0.05), range(0, 3), 730)  # day 0: every entity
    tables = dict(block.tables)
    tables["gps_pings"] = pa.Table.from_pylist(
        [
            {
                "event_id": "p1",
                "vehicle_id": 1,
                "trip_id": 2,
                "route_id": 3,
                "lat": 4.6,
                "lon": -74.1,
                "speed_kmh": 55.5,
                "event_time": AT,
            },
        ],
        STREAM_TABLES["gps_pings"].schema,
    )
    tables["delivery_events"] = pa.Table.from_pylist(
        [
            {
                "event_id": "e1",
                "delivery_id": 1,
                "delivery_status": "delivered",
                "event_time": AT,
                "recipient_signature": True,
                "vehicle_id": None,
            },
            {
                "event_id": "e2",
                "delivery_id": 2,
                "delivery_status": "failed",
                "event_time": AT,
                "recipient_signature": None,
                "vehicle_id": 7,
            },
        ],
        STREAM_TABLES["delivery_events"].schema,
    )
    writers = set()
    for name, table in tables.items():
        statistics = statistics_columns(table.schema)
        data = encode_table(table, statistics)
        writers.add((name, pq.ParquetFile(io.BytesIO(data)).metadata.created_by))
        reference = pyarrow_file(table, statistics)
        assert read(data).equals(table), name
        assert read(data).schema.equals(read(reference).schema), name
        ours, theirs = leaf_statistics(data), leaf_statistics(reference)
        for column, found in ours.items():
            if column in statistics:
                expected = theirs[column]
                assert (found.min, found.max, found.null_count) == (
                    expected.min,
                    expected.max,
                    expected.null_count,
                ), (name, column)
            else:
                assert found is None or not found.has_min_max, (name, column)
    # the routes' nested waypoints go through pyarrow's writer; every other table through ours
    assert {name for name, writer in writers if writer == CREATED_BY} == set(tables) - {"routes"}


def test_a_page_past_two_mebibytes():
    """A page's size past 2 MiB takes the footer's longest number encoding."""
    n = 120_000
    words = pa.array([f"address {i:07d} Bogotá" for i in range(n)])
    table = pa.table(
        {"delivery_id": pa.array(np.arange(n, dtype=np.int32)), "address": words},
    )
    data = encode_table(table, frozenset({"delivery_id"}))
    assert len(data) > 0 and read(data).equals(table)
    statistics = pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0).column(0).statistics
    assert (statistics.min, statistics.max) == (0, n - 1)


def test_what_cannot_be_written_is_refused():
    table = sample()
    with pytest.raises(ValueError, match="the ranges hold 11 rows, the table 12"):
        encode_ranges(table, [3, 8])
    with pytest.raises(ValueError, match="negative number of rows: -2"):
        encode_ranges(table, [14, -2])
    with pytest.raises(ValueError, match="not name"):
        encode_table(table, frozenset({"name"}))
    # a schema may declare a column non-nullable that the rows break: pyarrow's writer refused
    # such a table, and a file of it would not read back
    codes = table.column("code").to_pylist()
    broken = table.set_column(6, SCHEMA.field("code"), pa.array([None] + codes[1:], pa.string()))
    with pytest.raises(ValueError, match="column code is not nullable but holds 1 nulls"):
        encode_table(broken)


def test_statistics_carry_what_older_readers_use():
    """Like pyarrow's writer, the encoder also fills the deprecated min/max pair and the
    exactness flags: the two files' Statistics structs are the same bytes."""
    table = pa.table({"trip_id": pa.array([3, -5, None], pa.int32())})
    ours = encode_table(table, frozenset({"trip_id"}))
    theirs = pyarrow_file(table, frozenset({"trip_id"}))
    deprecated_pair = bytes.fromhex("1804030000001804fbffffff")  # 1: max 3, 2: min -5
    struct_of = {data: data[data.index(deprecated_pair) :][:29] for data in (ours, theirs)}
    assert struct_of[ours] == struct_of[theirs]
    assert struct_of[ours].endswith(bytes.fromhex("111100"))  # 7, 8: exact; the end
