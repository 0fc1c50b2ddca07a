"""The Snowflake target: the real ``snowflake-connector-python``.

Connection: ``~/.snowflake/connections.toml`` (the connector's own convention; the connection name
comes from config ``snowflake_connection``), else ``SNOWFLAKE_*`` environment variables — never from
fleetlake.toml. Bulk loading is the idiomatic one: write Parquet, ``PUT`` it to a temporary stage,
``COPY INTO`` a transient staging table with ``MATCH_BY_COLUMN_NAME``. DDL commits implicitly in
Snowflake, so staging happens before the load's transaction, which holds DML only.

The load lock is a row in ``etl_lock`` claimed with one atomic UPDATE; a lock older than
``STALE_LOCK_HOURS`` is considered abandoned by a crashed process and taken over.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fleetlake.config import Config
from fleetlake.errors import ConfigError, DatabaseError
from fleetlake.warehouse.model import portable_sql_type

STALE_LOCK_HOURS = 6
# SNOWFLAKE_<NAME> environment variables passed to connect() when no connections.toml entry is used.
ENV_PARAMETERS = (
    "account",
    "user",
    "password",
    "authenticator",
    "private_key_file",
    "role",
    "warehouse",
    "database",
    "schema",
    "host",
    "port",
    "protocol",
    "login_timeout",
)


def connection_parameters(config: Config) -> dict[str, Any]:
    """connect() arguments: a named connections.toml entry, else SNOWFLAKE_* variables."""
    if config.snowflake_connection:
        return {"connection_name": config.snowflake_connection}
    params: dict[str, Any] = {}
    for name in ENV_PARAMETERS:
        value = os.environ.get(f"SNOWFLAKE_{name.upper()}")
        if value and name in ("port", "login_timeout"):
            if not value.isdigit():
                raise ConfigError(f"SNOWFLAKE_{name.upper()} must be an integer, got {value!r}")
            params[name] = int(value)
        elif value:
            params[name] = value
    if "account" not in params:
        raise ConfigError(
            "Snowflake target: set 'snowflake_connection' (a ~/.snowflake/connections.toml entry) "
            "or SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, ... in the environment"
        )
    return params


class SnowflakeTarget:
    """A warehouse in one Snowflake schema."""

    name = "snowflake"
    dialect = "snowflake"

    def __init__(self, parameters: dict[str, Any]) -> None:
        import snowflake.connector

        self._errors = snowflake.connector.errors
        try:
            session = {**parameters.pop("session_parameters", {}), "TIMEZONE": "UTC"}
            parameters.setdefault("login_timeout", 20)
            self.con = snowflake.connector.connect(
                **parameters, session_parameters=session, paramstyle="qmark", autocommit=True
            )
        except self._errors.Error as e:
            raise DatabaseError(f"cannot connect to Snowflake: {_describe(e)}") from e
        except Exception as e:  # connection-level failures (DNS, refused socket, bad config file)
            raise DatabaseError(f"cannot connect to Snowflake: {_describe(e)}") from e
        self._stage = f"fleetlake_stage_{uuid.uuid4().hex[:8]}"
        self._staging_tables: set[str] = set()

    @classmethod
    def from_config(cls, config: Config, **options: Any) -> SnowflakeTarget:
        """Options: ``connection`` (connect() parameters instead of config and environment)."""
        parameters = options.get("connection") or connection_parameters(config)
        return cls(dict(parameters))

    def _run(self, sql: str, params: Sequence[Any] | None = None):
        cursor = self.con.cursor()
        try:
            cursor.execute(sql, params)
        except self._errors.Error as e:
            raise DatabaseError(f"Snowflake: {_describe(e)}") from e
        return cursor

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._run(sql, params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return list(self._run(sql, params).fetchall())

    def stage(self, name: str, table: pa.Table) -> None:
        columns = ", ".join(f"{f.name} {portable_sql_type(f.type)}" for f in table.schema)
        # Transient rather than temporary: fakesnow cannot COPY INTO a temporary table. They are
        # dropped when the target is closed.
        self.execute(f"CREATE OR REPLACE TRANSIENT TABLE {name} ({columns})")
        self._staging_tables.add(name)
        if table.num_rows == 0:
            return
        self.execute(f"CREATE TEMPORARY STAGE IF NOT EXISTS {self._stage}")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{name}.parquet"
            pq.write_table(table, path)
            # Parquet is compressed inside; gzip on top would rename the file and hide the format.
            self.execute(
                f"PUT 'file://{path}' @{self._stage} AUTO_COMPRESS = FALSE OVERWRITE = TRUE"
            )
        self.execute(
            f"COPY INTO {name} FROM @{self._stage}/{name}.parquet "
            "FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE"
        )

    def tables(self) -> list[str]:
        rows = self.query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = CURRENT_SCHEMA() AND table_type = 'BASE TABLE'"
        )
        return [r[0].lower() for r in rows]

    def columns(self, table: str) -> list[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = CURRENT_SCHEMA() AND table_name = UPPER(?) "
            "ORDER BY ordinal_position",
            [table],
        )
        return [r[0].lower() for r in rows]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.autocommit(False)
        try:
            yield
        except BaseException:
            self.con.rollback()
            self.con.autocommit(True)
            raise
        try:
            self.con.commit()
        except self._errors.Error as e:
            raise DatabaseError(f"Snowflake: commit failed: {_describe(e)}") from e
        finally:
            self.con.autocommit(True)

    @contextmanager
    def lock(self) -> Iterator[None]:
        holder = uuid.uuid4().hex
        self.execute(
            "CREATE TABLE IF NOT EXISTS etl_lock (id INTEGER, holder VARCHAR, since TIMESTAMP)"
        )
        self.execute(
            "INSERT INTO etl_lock (id, holder, since) SELECT 1, NULL, CURRENT_TIMESTAMP() "
            "WHERE NOT EXISTS (SELECT 1 FROM etl_lock)"
        )
        self.execute(
            "UPDATE etl_lock SET holder = ?, since = CURRENT_TIMESTAMP() WHERE id = 1 AND "
            f"(holder IS NULL OR since < DATEADD(hour, -{STALE_LOCK_HOURS}, CURRENT_TIMESTAMP()))",
            [holder],
        )
        owner = self.query("SELECT holder, since FROM etl_lock WHERE id = 1")
        if not owner or owner[0][0] != holder:
            since = owner[0][1] if owner else "?"
            raise DatabaseError(
                f"another warehouse load holds the Snowflake lock (since {since} UTC); "
                "retry when it has finished"
            )
        try:
            yield
        finally:
            self.execute("UPDATE etl_lock SET holder = NULL WHERE id = 1 AND holder = ?", [holder])

    def close(self) -> None:
        try:
            for name in sorted(self._staging_tables):
                self.con.cursor().execute(f"DROP TABLE IF EXISTS {name}")
            self.con.close()
        except self._errors.Error:
            pass  # the session ends anyway; leftover staging tables are replaced next load


def _describe(error: BaseException) -> str:
    text = str(error).strip().replace("\n", " ")
    return text or type(error).__name__
