"""The DuckDB target: a local warehouse file (the default), pinned to UTC.

Staging registers the Arrow table itself (zero copy). The load lock is an ``flock`` on
``<file>.lock``: released by the OS if the process dies, so a crashed load never blocks the next.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from fleetlake.config import Config
from fleetlake.errors import DatabaseError, first_line
from fleetlake.warehouse.targets import attempt


class DuckDBTarget:
    """A warehouse in one DuckDB database file (or ``:memory:``)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, path: str, must_exist: bool = False) -> None:
        self.path = path
        if must_exist and path != ":memory:" and not Path(path).is_file():
            raise DatabaseError(f"no DuckDB warehouse at {path} (run `fleetlake warehouse load`)")
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(path)
            self.con.execute("SET TimeZone = 'UTC'")
            # A checkpoint at every close re-compresses the last, partly filled row group of each
            # table touched (0.1-1 s, whatever the batch size). Committed loads are durable in the
            # WAL; DuckDB checkpoints by itself once the WAL passes wal_autocheckpoint (16 MB).
            # Copy <file>.wal along with the file (read-only readers replay it).
            self.con.execute("PRAGMA disable_checkpoint_on_shutdown")
        except (duckdb.Error, OSError) as e:
            if "lock" in str(e).lower():
                raise DatabaseError(
                    f"the DuckDB warehouse {path} is in use by another process (a load running?); "
                    "retry when it has finished"
                ) from e
            raise DatabaseError(f"cannot open DuckDB warehouse {path}: {first_line(e)}") from e
        self._staged: dict[str, pa.Table] = {}

    @classmethod
    def from_config(cls, config: Config, **options: Any) -> DuckDBTarget:
        """Options: ``path`` (overrides config), ``must_exist`` (do not create a new file)."""
        return cls(options.get("path", config.warehouse_path), options.get("must_exist", False))

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        try:
            self.con.execute(sql, params).fetchall()
        except duckdb.Error as e:
            raise DatabaseError(f"DuckDB warehouse: {first_line(e)}") from e

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        try:
            return self.con.execute(sql, params).fetchall()
        except duckdb.Error as e:
            raise DatabaseError(f"DuckDB warehouse: {first_line(e)}") from e

    def stage(self, name: str, table: pa.Table) -> None:
        self._staged[name] = table  # keep the Arrow buffers alive while DuckDB scans them
        self.con.register(name, table)

    def tables(self) -> list[str]:
        rows = self.query(
            "SELECT lower(table_name) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        return [r[0] for r in rows]

    def columns(self, table: str) -> list[str]:
        rows = self.query(
            "SELECT lower(column_name) FROM information_schema.columns "
            "WHERE lower(table_name) = lower(?) AND table_schema = current_schema() "
            "ORDER BY ordinal_position",
            [table],
        )
        return [r[0] for r in rows]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            attempt("DuckDB: roll back", self.con.rollback)  # the original error wins
            raise
        self.execute("COMMIT")

    @contextmanager
    def lock(self) -> Iterator[None]:
        if self.path == ":memory:":
            yield
            return
        lock_path = f"{self.path}.lock"
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DatabaseError(
                    f"another warehouse load is running on {self.path} (lock {lock_path}); "
                    "retry when it has finished"
                ) from None
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def unlock(self) -> str | None:
        """Nothing to release: the OS drops an ``flock`` when its process ends. A live holder is
        reported as an error (a running load is never unlocked under its feet)."""
        if self.path == ":memory:":
            return None
        with self.lock():
            return None

    def close(self) -> None:
        self.con.close()
