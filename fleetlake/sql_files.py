"""Locate the SQL files shipped with fleetlake (top-level ``sql/`` in the source tree).

Per-target overrides follow dbt's dispatch by file name:
``sql_path("warehouse/x.sql", "snowflake")``
returns ``sql/warehouse/snowflake/x.sql`` when it exists, else ``sql/warehouse/x.sql``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_SOURCE_TREE_SQL = Path(__file__).resolve().parent.parent / "sql"


def sql_root() -> Path:
    """The ``sql/`` directory: the source tree's in a checkout, the packaged copy in a wheel."""
    if _SOURCE_TREE_SQL.is_dir():
        return _SOURCE_TREE_SQL
    return Path(str(resources.files("fleetlake.sql")))


def sql_path(relative: str, dialect: str | None = None) -> Path:
    """Path of a SQL file, preferring ``<dir>/<dialect>/<name>`` when a dialect override exists."""
    base = sql_root() / relative
    if dialect:
        override = base.parent / dialect / base.name
        if override.is_file():
            return override
    if not base.is_file():
        raise FileNotFoundError(f"no SQL file {relative} under {sql_root()}")
    return base


def read_sql(relative: str, dialect: str | None = None) -> str:
    """The text of a SQL file (see ``sql_path``)."""
    return sql_path(relative, dialect).read_text(encoding="utf-8")
