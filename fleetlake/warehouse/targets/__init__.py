"""Warehouse targets: a small protocol and a registry (like sqlmesh's engine adapters).

A target runs SQL, bulk-loads an Arrow table into a staging table, brackets work in a transaction
and serialises loads with a lock. Everything else (SCD2, facts, watermark) is target-independent
ETL logic over plain SQL; a target's dialect only selects per-target SQL overrides by file name
(``sql/warehouse/snowflake/x.sql`` overrides ``sql/warehouse/x.sql``). Drivers are imported only
when their target is opened, so ``fleetlake --help`` never imports Snowflake.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from fleetlake.errors import ConfigError
from fleetlake.sql_files import read_sql

if TYPE_CHECKING:
    import pyarrow as pa

    from fleetlake.config import Config


class Target(Protocol):
    """What the ETL needs from a warehouse database."""

    name: str
    dialect: str  # selects sql/warehouse/<dialect>/ overrides

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run one statement (qmark parameters)."""

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """Run one statement and return all rows."""

    def stage(self, name: str, table: pa.Table) -> None:
        """Replace the staging table ``name`` with ``table``'s rows (outside any transaction)."""

    def tables(self) -> list[str]:
        """Lower-case names of the tables in the warehouse's schema."""

    def columns(self, table: str) -> list[str]:
        """Lower-case column names of a table, in order; empty if it does not exist."""

    def transaction(self) -> AbstractContextManager[None]:
        """Commit on success, roll back on any exception."""

    def lock(self) -> AbstractContextManager[None]:
        """Hold the warehouse's load lock; raise DatabaseError at once if another load holds it."""

    def unlock(self) -> str | None:
        """Release a lock left by a dead load; describe its holder (None: no lock was held)."""

    def close(self) -> None: ...


# name -> "module:Class" (imported lazily).
TARGETS: dict[str, str] = {
    "duckdb": "fleetlake.warehouse.targets.duckdb:DuckDBTarget",
    "snowflake": "fleetlake.warehouse.targets.snowflake:SnowflakeTarget",
}


def open_target(config: Config, **options: Any) -> Target:
    """Open the target named by ``config.warehouse_target``; ``options`` go to ``from_config``."""
    spec = TARGETS.get(config.warehouse_target)
    if spec is None:
        known = ", ".join(sorted(TARGETS))
        raise ConfigError(f"unknown warehouse target {config.warehouse_target!r} (known: {known})")
    module_name, class_name = spec.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_config(config, **options)


def describe(error: BaseException) -> str:
    """A driver error on one line (its class name when it has no text)."""
    return str(error).strip().replace("\n", " ") or type(error).__name__


def attempt(what: str, action: Callable[[], object]) -> None:
    """Run a clean-up step (rollback, lock release) that must never hide the error being handled:
    a failure is logged as a warning, not raised."""
    try:
        action()
    except Exception as e:
        logging.getLogger("fleetlake.warehouse").warning("%s failed: %s", what, describe(e))


def add_missing_columns(target: Target, table: str, columns: Iterable[tuple[str, str]]) -> None:
    """Add the (name, SQL type) ``columns`` an existing table lacks (one built by an older
    fleetlake); the rows it already holds get NULL."""
    present = set(target.columns(table))
    for column, sql_type in columns:
        if column not in present:
            target.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def split_statements(text: str) -> Iterator[str]:
    """The statements of a SQL script: split at ';' ending a line; '--' comment lines dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    for chunk in "\n".join(lines).split(";\n"):
        statement = chunk.strip().rstrip(";").strip()
        if statement:
            yield statement


def sql_text(target: Target, relative: str, **identifiers: str) -> str:
    """The text of ``sql/warehouse/<relative>`` for this target's dialect.

    ``identifiers`` fill ``{name}`` placeholders with table and column names from
    ``fleetlake.warehouse.model`` (never with values: values are bound parameters).
    """
    text = read_sql(f"warehouse/{relative}", target.dialect)
    return text.format(**identifiers) if identifiers else text


def run_script(
    target: Target, relative: str, params: Sequence[Any] | None = None, **identifiers: str
) -> None:
    """Run every statement of a warehouse SQL file; ``params`` bind to those with a ``?``."""
    for statement in split_statements(sql_text(target, relative, **identifiers)):
        target.execute(statement, params if "?" in statement else None)
