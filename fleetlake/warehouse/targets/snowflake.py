"""The Snowflake target: the real ``snowflake-connector-python``.

Connection: ``~/.snowflake/connections.toml`` (the connector's own convention; the connection name
comes from config ``snowflake_connection``), else ``SNOWFLAKE_*`` environment variables — never from
fleetlake.toml. Bulk loading is the idiomatic one: write Parquet, ``PUT`` it to a temporary stage,
``COPY INTO`` a transient staging table with ``MATCH_BY_COLUMN_NAME``. DDL commits implicitly in
Snowflake, so staging happens before the load's transaction, which holds DML only.

The load lock is a row in ``etl_lock`` claimed with one atomic UPDATE. It names its owner (user,
host, pid) and carries a heartbeat, refreshed every ``HEARTBEAT_SECONDS`` from a second session
opened with the lock (so a login that cannot be repeated fails before any work) while the load
runs. A lock whose heartbeat is older than ``LOCK_EXPIRY_SECONDS`` belongs to a crashed process and
is taken over by the next load; ``fleetlake warehouse unlock`` releases it at once. Before
committing, a load checks (inside its transaction) that it still holds the lock and that its
heartbeat never stopped.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import tempfile
import threading
import time
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
from fleetlake.warehouse.targets import add_missing_columns, attempt, describe

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 60.0
# The heartbeat session's statements give up after this long (waiting for the row lock included),
# and the load waits no longer for the heartbeat thread to stop. Passed at login: fakesnow rejects
# ALTER SESSION SET of them, and accepts (and ignores) them as session parameters.
HEARTBEAT_TIMEOUT_SECONDS = 30
HEARTBEAT_SESSION = {
    "LOCK_TIMEOUT": HEARTBEAT_TIMEOUT_SECONDS,
    "STATEMENT_TIMEOUT_IN_SECONDS": HEARTBEAT_TIMEOUT_SECONDS,
}
# A lock without a heartbeat for this long is abandoned (its process died) and is taken over.
LOCK_EXPIRY_SECONDS = 300
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
        self._parameters = dict(parameters)  # the heartbeat opens its own session with them
        self.con = self._connect()
        self._stage = f"fleetlake_stage_{uuid.uuid4().hex[:8]}"
        self._staging_tables: set[str] = set()
        self._holder: str | None = None  # this load's id in etl_lock while it holds the lock
        self._heartbeat: _Heartbeat | None = None  # while the lock is held

    def _connect(self, session_parameters: dict[str, Any] | None = None):
        import snowflake.connector

        parameters = dict(self._parameters)
        try:
            session = {
                **parameters.pop("session_parameters", {}),
                "TIMEZONE": "UTC",
                **(session_parameters or {}),
            }
            parameters.setdefault("login_timeout", 20)
            return snowflake.connector.connect(
                **parameters, session_parameters=session, paramstyle="qmark", autocommit=True
            )
        except Exception as e:  # driver or connection-level (DNS, refused socket, bad config file)
            raise DatabaseError(f"cannot connect to Snowflake: {describe(e)}") from e

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
            raise DatabaseError(f"Snowflake: {describe(e)}") from e
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
        """Commit on success; on any error roll back, and the original error is what propagates
        (a failing rollback on a broken connection is logged, never raised over it)."""
        self.con.autocommit(False)
        try:
            yield
            self._check_lock_held()
        except BaseException:
            attempt("Snowflake: roll back", self.con.rollback)
            attempt("Snowflake: restore autocommit", lambda: self.con.autocommit(True))
            raise
        try:
            self.con.commit()
        except self._errors.Error as e:
            raise DatabaseError(f"Snowflake: commit failed: {describe(e)}") from e
        finally:
            attempt("Snowflake: restore autocommit", lambda: self.con.autocommit(True))

    def _check_lock_held(self) -> None:
        """Inside the load's transaction: still our lock, kept alive all along? (Its row stays
        locked until commit, so nobody can take it over between this check and the commit.)"""
        if self._holder is None:
            return
        if self._heartbeat is not None and self._heartbeat.failure:
            raise DatabaseError(
                f"the Snowflake lock heartbeat stopped ({self._heartbeat.failure}), so another "
                "load could take this one's lock over; nothing was committed, run the load again"
            )
        self.execute(
            "UPDATE etl_lock SET heartbeat_at = CURRENT_TIMESTAMP() WHERE id = 1 AND holder = ?",
            [self._holder],
        )
        row = self.query("SELECT holder, owner FROM etl_lock WHERE id = 1")
        if not row or row[0][0] != self._holder:
            taker = row[0][1] if row and row[0][0] else "nobody (unlocked)"
            raise DatabaseError(
                f"this load lost the Snowflake lock to {taker} (no heartbeat for "
                f"{LOCK_EXPIRY_SECONDS} s?); nothing was committed, run the load again"
            )

    def _lock_table(self) -> None:
        self.execute(
            "CREATE TABLE IF NOT EXISTS etl_lock (id INTEGER, holder VARCHAR, owner VARCHAR, "
            "since TIMESTAMP, heartbeat_at TIMESTAMP)"
        )
        add_missing_columns(self, "etl_lock", (("owner", "VARCHAR"), ("heartbeat_at", "TIMESTAMP")))
        self.execute(
            "INSERT INTO etl_lock (id, holder, since) SELECT 1, NULL, CURRENT_TIMESTAMP() "
            "WHERE NOT EXISTS (SELECT 1 FROM etl_lock)"
        )

    def _lock_row(self) -> tuple[str | None, str | None, Any, Any]:
        """(holder token, owner, since, last heartbeat) of the lock; all None when it is free."""
        rows = self.query(
            "SELECT holder, COALESCE(owner, holder), since, COALESCE(heartbeat_at, since) "
            "FROM etl_lock WHERE id = 1"
        )
        return rows[0] if rows and rows[0][0] is not None else (None, None, None, None)

    @contextmanager
    def lock(self) -> Iterator[None]:
        holder = uuid.uuid4().hex
        owner = f"{_user()}@{socket.gethostname()} pid {os.getpid()}"
        self._lock_table()
        if not self._claim(holder, owner):
            _, who, since, beat = self._lock_row()
            raise DatabaseError(
                f"another warehouse load holds the Snowflake lock ({who}, since {since} UTC, last "
                f"heartbeat {beat} UTC); retry when it has finished. If that load is dead, "
                f"the lock is taken over {LOCK_EXPIRY_SECONDS} s after its last heartbeat, or "
                "release it now with `fleetlake warehouse unlock`"
            )
        try:
            session = self._connect(HEARTBEAT_SESSION)
        except DatabaseError as e:
            self._release(holder)
            raise DatabaseError(
                f"{e} (the second session that keeps the load lock alive); nothing was loaded. "
                "An interactive login (externalbrowser, MFA) must be able to log in twice without "
                "a prompt: cache its token (client_store_temporary_credential, "
                "client_request_mfa_token) or use key-pair authentication"
            ) from e
        self._holder = holder
        self._heartbeat = _Heartbeat(session, holder)
        try:
            yield
        finally:
            self._heartbeat.stop()
            self._heartbeat = None
            self._holder = None
            self._release(holder)

    def _claim(self, holder: str, owner: str) -> bool:
        """Claim the lock row if free, else if abandoned (warning about the dead owner only when
        its lock was the one taken over). False when a live load holds it."""
        if self._claim_where("holder IS NULL", [], holder, owner):
            return True
        previous, who, _, beat = self._lock_row()
        stale = (
            "holder = ? AND COALESCE(heartbeat_at, since) < "
            f"DATEADD(second, -{int(LOCK_EXPIRY_SECONDS)}, CURRENT_TIMESTAMP())"
        )
        if previous is not None and self._claim_where(stale, [previous], holder, owner):
            log.warning(
                "took over the Snowflake load lock abandoned by %s (last heartbeat %s UTC)",
                who,
                beat,
            )
            return True
        # Its holder may have released the lock since the first UPDATE.
        return self._claim_where("holder IS NULL", [], holder, owner)

    def _claim_where(self, condition: str, params: list[Any], holder: str, owner: str) -> bool:
        """One atomic UPDATE of the lock row where ``condition`` holds: did it match?"""
        updated = self._run(
            "UPDATE etl_lock SET holder = ?, owner = ?, since = CURRENT_TIMESTAMP(), "
            f"heartbeat_at = CURRENT_TIMESTAMP() WHERE id = 1 AND {condition}",
            [holder, owner, *params],
        ).rowcount
        return bool(updated)

    def _release(self, holder: str) -> None:
        # Never raised over the load's own error; after a committed load, a lock left behind
        # expires by itself (or `fleetlake warehouse unlock`).
        attempt(
            "Snowflake: release the load lock",
            lambda: self.execute(
                "UPDATE etl_lock SET holder = NULL WHERE id = 1 AND holder = ?", [holder]
            ),
        )

    def unlock(self) -> str | None:
        """Release the lock whoever holds it; describe the holder it had (None: it was free).

        Only the holder read is released: a load that took the lock in between keeps it.
        """
        if "etl_lock" not in self.tables():
            return None
        holder, who, since, beat = self._lock_row()
        if holder is None:
            return None
        released = self._run(
            "UPDATE etl_lock SET holder = NULL WHERE id = 1 AND holder = ?", [holder]
        ).rowcount
        if not released:
            raise DatabaseError(
                f"the Snowflake load lock changed hands while unlocking ({who} let it go); "
                "nothing was released: run `fleetlake warehouse unlock` again to see its holder"
            )
        return f"{who}, since {since} UTC, last heartbeat {beat} UTC"

    def close(self) -> None:
        try:
            for name in sorted(self._staging_tables):
                self.con.cursor().execute(f"DROP TABLE IF EXISTS {name}")
            self.con.close()
        except self._errors.Error:
            pass  # the session ends anyway; leftover staging tables are replaced next load


class _Heartbeat:
    """Refreshes the lock's heartbeat every ``HEARTBEAT_SECONDS`` from a session of its own (the
    load's session may be inside a transaction, where the update would stay invisible until it
    commits). Stops at its first error and keeps it in ``failure``: the load then does not commit.
    """

    def __init__(self, session: Any, holder: str) -> None:
        self.failure: str | None = None
        self._session = session
        self._holder = holder
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stopping.wait(HEARTBEAT_SECONDS):
                self._session.cursor().execute(
                    "UPDATE etl_lock SET heartbeat_at = CURRENT_TIMESTAMP() "
                    "WHERE id = 1 AND holder = ?",
                    [self._holder],
                )
        except Exception as e:
            self.failure = f"{describe(e)}, at {time.strftime('%H:%M:%S', time.gmtime())} UTC"
            log.warning("Snowflake: lock heartbeat stopped: %s", self.failure)
        finally:
            attempt("Snowflake: close the heartbeat session", self._session.close)

    def stop(self) -> None:
        """Stop beating; a statement still running is left to end (or time out) by itself."""
        self._stopping.set()
        self._thread.join(HEARTBEAT_TIMEOUT_SECONDS)
        if self._thread.is_alive():
            log.warning(
                "Snowflake: the lock heartbeat did not stop within %s s; left to end by itself",
                HEARTBEAT_TIMEOUT_SECONDS,
            )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container without a passwd entry)
        return "?"
