"""The lake: the only code that reads and writes Parquet.

``open_lake(uri)`` gives a ``Lake`` over a local directory or an ``s3://bucket/prefix``. Readers see
exactly the partitions listed in the manifest, so a file left behind by an interrupted run is
invisible until a run publishes it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from fleetlake.errors import LakeError, ValidationError
from fleetlake.lake.current import current_state_sql
from fleetlake.lake.manifest import Manifest, PartitionInfo, read_manifest
from fleetlake.lake.storage import Storage, open_storage
from fleetlake.lake.verify import decode_partition, read_files
from fleetlake.schema import ALL_TABLES, ENTITY_TABLES, STREAM_TABLES, empty_table

if TYPE_CHECKING:
    import duckdb

__all__ = ["Lake", "Manifest", "PartitionInfo", "open_lake"]


class Lake:
    """A published lake: its manifest and typed reads of its tables."""

    def __init__(self, storage: Storage, manifest: Manifest) -> None:
        self.storage = storage
        self.manifest = manifest

    @property
    def uri(self) -> str:
        return self.storage.uri

    def cache_file(self, kind: str, suffix: str) -> Path:
        """Where to keep something derived from this lake (a KPI copy, a validation result):
        ``<lake>/.cache/<kind><suffix>`` for a local lake (it goes when the lake goes), else
        ``$FLEETLAKE_CACHE_DIR`` (default ``~/.cache/fleetlake``) ``/<kind>/<hash of the
        URI><suffix>``, never inside a bucket."""
        if self.storage.local:
            return Path(self.uri) / ".cache" / f"{kind}{suffix}"
        root = Path(os.environ.get("FLEETLAKE_CACHE_DIR") or Path.home() / ".cache" / "fleetlake")
        return root / kind / f"{hashlib.sha256(self.uri.encode()).hexdigest()[:16]}{suffix}"

    def partitions(self, table: str) -> dict[date, PartitionInfo]:
        """The table's non-empty partitions by day: generated, or compacted real-time events."""
        name = self._spec(table).name
        stream = name in STREAM_TABLES
        listed = self.manifest.stream_partitions if stream else self.manifest.partitions
        return listed.get(name, {})

    def partition_dates(self, table: str) -> list[date]:
        return sorted(self.partitions(table))

    def files(self, table: str, since: date | None = None, until: date | None = None) -> list[str]:
        """Filesystem paths of the table's partitions with since <= day < until, in day order."""
        return [
            self.storage.path(info.file)
            for day, info in sorted(self.partitions(table).items())
            if (since is None or day >= since) and (until is None or day < until)
        ]

    def dataset(self, table: str, since: date | None = None, until: date | None = None):
        """A pyarrow dataset over the table's partitions (lazy; DuckDB and polars can scan it)."""
        import pyarrow.dataset as ds  # imports pandas: 0.4 s that writers of the lake never need

        return ds.dataset(
            self.files(table, since, until),
            schema=self._spec(table).schema,
            format="parquet",
            filesystem=self.storage.filesystem,
        )

    def read(self, table: str, since: date | None = None, until: date | None = None) -> pa.Table:
        """All rows of the table's partitions with since <= day < until, in day order."""
        try:
            return self.dataset(table, since, until).to_table()
        except OSError as e:
            raise LakeError(f"cannot read {table} from {self.uri}: {e}") from e

    def read_verified(self, table: str, days: Iterable[date] | None = None) -> pa.Table:
        """The rows of the table's partitions for ``days`` (default: all), in day order, each file
        checked against the manifest first (present, sha256, row count: as ``validate`` does).

        ValidationError names the first file that fails; nothing is returned from a bad lake.
        """
        spec = self._spec(table)
        listed = self.partitions(table)
        try:
            parts = [listed[day] for day in sorted(listed if days is None else days)]
        except KeyError as e:
            raise LakeError(f"{table} has no partition {e.args[0]} in {self.uri}") from None
        contents = read_files(self.storage, [part.file for part in parts])
        tables = [empty_table(spec.schema)]
        for part, data in zip(parts, contents, strict=True):
            rows, problem = decode_partition(part, data, spec.schema.names)
            if problem:
                raise ValidationError(
                    f"lake file {part.file} {problem}; run `fleetlake validate --lake {self.uri}`"
                )
            same = rows.schema.equals(spec.schema)
            tables.append(rows if same else rows.select(spec.schema.names).cast(spec.schema))
        return pa.concat_tables(tables)

    def current(
        self, table: str, as_of: datetime | None = None, *, verified: bool = False
    ) -> pa.Table:
        """Entity table: the latest row per id (with updated_at <= as_of), ordered by id.

        ``verified``: read the change log with ``read_verified`` (every file checked).
        """
        import duckdb

        spec = self._spec(table)
        state = current_state_sql(spec, "history", as_of)
        con = duckdb.connect()
        con.register("history", self.read_verified(table) if verified else self.read(table))
        return con.sql(f"{state}\nORDER BY {spec.id_column}").to_arrow_table()

    def parquet_scan(
        self, table: str, since: date | None = None, until: date | None = None
    ) -> str | None:
        """DuckDB ``read_parquet([...])`` over the table's partition files in [since, until) of a
        local lake: DuckDB's own reader is several times faster over many small files than a
        pyarrow dataset. None for an S3 lake (scan ``dataset``) or when there is no file."""
        files = self.files(table, since, until)
        if not self.storage.local or not files:
            return None
        return "read_parquet([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "])"

    def register_duckdb(
        self, con: duckdb.DuckDBPyConnection, as_of: datetime | None = None
    ) -> None:
        """Create views: event tables, entity current state, ``<entity>_history`` change logs."""
        for name, spec in ALL_TABLES.items():
            source = spec.all_rows_view
            scan = self.parquet_scan(name)
            if scan:
                con.execute(f"CREATE OR REPLACE VIEW {source} AS SELECT * FROM {scan}")
                continue
            relation = f"__lake_{name}"
            files = self.files(name)
            con.register(relation, self.dataset(name) if files else empty_table(spec.schema))
            con.execute(f"CREATE OR REPLACE VIEW {source} AS SELECT * FROM {relation}")
        for spec in ENTITY_TABLES:
            state = current_state_sql(spec, spec.all_rows_view, as_of)
            con.execute(f"CREATE OR REPLACE VIEW {spec.name} AS {state}")

    @staticmethod
    def _spec(table: str):
        try:
            return ALL_TABLES[table]
        except KeyError:
            raise LakeError(f"unknown table '{table}' (tables: {', '.join(ALL_TABLES)})") from None


def open_lake(uri: str, endpoint_url: str | None = None) -> Lake:
    """Open a published lake; LakeError if there is none at ``uri``."""
    storage = open_storage(uri, endpoint_url)
    manifest = read_manifest(storage)
    if manifest is None:
        raise LakeError(f"no lake at {storage.uri} (run `fleetlake gen --lake {uri}` first)")
    return Lake(storage, manifest)
