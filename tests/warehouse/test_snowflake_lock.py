"""The Snowflake load lock: owner and heartbeat, takeover of a dead load's lock, unlock, fencing.

(DuckDB's lock is an ``flock`` that the OS releases with its process: nothing of this applies.)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from fleetlake.config import Config
from fleetlake.errors import DatabaseError
from fleetlake.warehouse import unlock_warehouse
from fleetlake.warehouse.targets import snowflake as snowflake_target
from fleetlake.warehouse.targets.snowflake import (
    HEARTBEAT_TIMEOUT_SECONDS,
    LOCK_EXPIRY_SECONDS,
    SnowflakeTarget,
)

pytestmark = pytest.mark.snowflake

DEAD_OWNER = "ana@etl-box pid 4242"


def held_by_another(target: SnowflakeTarget, heartbeat_seconds_ago: int) -> None:
    """The lock row as a load of another process leaves it (alive, or dead since its last beat)."""
    with target.lock():
        pass  # creates etl_lock and its row
    target.execute(
        "UPDATE etl_lock SET holder = 'other', owner = ?, "
        "since = DATEADD(second, -3600, CURRENT_TIMESTAMP()), "
        f"heartbeat_at = DATEADD(second, -{heartbeat_seconds_ago}, CURRENT_TIMESTAMP()) "
        "WHERE id = 1",
        [DEAD_OWNER],
    )


@contextmanager
def right_after_the_lock_is_read(
    target: SnowflakeTarget,
    connection: dict[str, Any],
    statement: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """Inside, another session runs ``statement`` right after each read of the lock's row by
    ``target`` (the race between reading the lock and acting on it)."""
    other = SnowflakeTarget(connection)
    read = target.query

    def query_then_statement(sql: str, params: Any = None) -> list[tuple]:
        rows = read(sql, params)
        if "COALESCE(owner, holder)" in sql:
            other.execute(statement)
        return rows

    monkeypatch.setattr(target, "query", query_then_statement)
    try:
        yield
    finally:
        monkeypatch.setattr(target, "query", read)
        other.close()


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


class HeartbeatSession:
    """The heartbeat's session, made to hang (until ``unblock``) or to fail its statements."""

    def __init__(self, session: Any, failure: Exception | None = None) -> None:
        self.session, self.failure = session, failure
        self.hung, self.unblock, self.closed = threading.Event(), threading.Event(), False

    def cursor(self) -> HeartbeatSession:
        return self

    def execute(self, *_: Any) -> None:
        if self.failure is not None:
            raise self.failure
        self.hung.set()
        self.unblock.wait(60)

    def close(self) -> None:
        self.closed = True
        self.session.close()


class HeartbeatLogins:
    """Spies on connect(): the heartbeat's logins (those with a LOCK_TIMEOUT) and their sessions;
    ``fail`` sends them to a closed port, ``wrap`` replaces the session the heartbeat gets."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import snowflake.connector

        self.parameters: list[dict[str, Any]] = []
        self.sessions: list[Any] = []
        self.fail = False
        self.wrap: Callable[[Any], Any] = lambda session: session
        real = snowflake.connector.connect

        def connect(**parameters: Any) -> Any:
            if "LOCK_TIMEOUT" not in parameters.get("session_parameters", {}):
                return real(**parameters)
            self.parameters.append(parameters)
            if self.fail:
                return real(**{**parameters, "port": 9, "login_timeout": 2})
            self.sessions.append(self.wrap(real(**parameters)))
            return self.sessions[-1]

        monkeypatch.setattr(snowflake.connector, "connect", connect)


@pytest.fixture
def target(snowflake_connection: dict[str, Any]):
    opened = SnowflakeTarget(snowflake_connection)
    try:
        yield opened
    finally:
        opened.close()


def test_a_live_lock_is_refused_naming_its_owner_and_the_way_out(
    target: SnowflakeTarget,
) -> None:
    held_by_another(target, heartbeat_seconds_ago=30)
    with pytest.raises(DatabaseError) as refused:
        with target.lock():
            pass
    message = str(refused.value)
    assert DEAD_OWNER in message and "fleetlake warehouse unlock" in message
    assert f"taken over {LOCK_EXPIRY_SECONDS} s after its last heartbeat" in message


def test_a_dead_loads_lock_is_taken_over_after_its_heartbeat_expires(
    target: SnowflakeTarget, caplog: pytest.LogCaptureFixture
) -> None:
    held_by_another(target, heartbeat_seconds_ago=LOCK_EXPIRY_SECONDS + 60)
    with caplog.at_level(logging.WARNING):
        with target.lock():
            owner = target.query("SELECT owner FROM etl_lock")[0][0]
    assert owner != DEAD_OWNER and " pid " in owner
    assert f"abandoned by {DEAD_OWNER}" in caplog.text
    assert target.query("SELECT holder FROM etl_lock") == [(None,)]  # released after use


def test_a_lock_released_while_it_is_examined_is_claimed_without_a_takeover_warning(
    target: SnowflakeTarget,
    snowflake_connection: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The dead-looking holder releases normally right after its owner was read: no false alarm."""
    held_by_another(target, heartbeat_seconds_ago=LOCK_EXPIRY_SECONDS + 60)
    released = "UPDATE etl_lock SET holder = NULL WHERE holder = 'other'"
    with right_after_the_lock_is_read(target, snowflake_connection, released, monkeypatch):
        with caplog.at_level(logging.WARNING):
            with target.lock():
                owner = target.query("SELECT owner FROM etl_lock")[0][0]
    assert owner != DEAD_OWNER and " pid " in owner
    assert "took over" not in caplog.text


def test_the_heartbeat_keeps_a_long_load_alive(
    target: SnowflakeTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snowflake_target, "HEARTBEAT_SECONDS", 0.2)
    with target.lock():
        first = target.query("SELECT heartbeat_at FROM etl_lock")[0][0]
        time.sleep(1.5)
        later = target.query("SELECT heartbeat_at FROM etl_lock")[0][0]
    assert later > first


def test_the_heartbeat_session_opens_with_the_lock_with_lock_and_statement_timeouts(
    target: SnowflakeTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins = HeartbeatLogins(monkeypatch)
    logins.wrap = HeartbeatSession  # records its closing
    with target.lock():
        assert len(logins.parameters) == 1  # before any work, not a minute into the load
        assert not logins.sessions[0].closed
    session = logins.parameters[0]["session_parameters"]
    assert session["LOCK_TIMEOUT"] == session["STATEMENT_TIMEOUT_IN_SECONDS"] == 30
    assert session["TIMEZONE"] == "UTC"
    assert logins.sessions[0].closed


def test_a_heartbeat_login_failure_stops_the_load_before_any_work(
    target: SnowflakeTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins = HeartbeatLogins(monkeypatch)
    logins.fail = True
    worked = False
    with pytest.raises(DatabaseError) as failed:
        with target.lock():
            worked = True
    message = str(failed.value)
    assert message.startswith("cannot connect to Snowflake: ")
    assert "keeps the load lock alive); nothing was loaded" in message
    assert "externalbrowser" in message and "key-pair" in message
    assert not worked
    assert target.query("SELECT holder FROM etl_lock") == [(None,)]  # released


def test_a_stopped_heartbeat_fails_the_load_at_commit(
    target: SnowflakeTarget, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from snowflake.connector.errors import OperationalError

    monkeypatch.setattr(snowflake_target, "HEARTBEAT_SECONDS", 0.1)
    expired = OperationalError(msg="Authentication token has expired.")
    logins = HeartbeatLogins(monkeypatch)
    logins.wrap = lambda session: HeartbeatSession(session, failure=expired)
    target.execute("CREATE TABLE probe (x INTEGER)")
    with caplog.at_level(logging.WARNING):
        with target.lock():
            wait_for(lambda: "lock heartbeat stopped" in caplog.text)
            stopped = "the Snowflake lock heartbeat stopped .*Authentication token has expired"
            with pytest.raises(DatabaseError, match=stopped):
                with target.transaction():
                    target.execute("INSERT INTO probe VALUES (1)")
    assert target.query("SELECT COUNT(*) FROM probe") == [(0,)]
    assert target.query("SELECT holder FROM etl_lock") == [(None,)]


def test_a_hung_heartbeat_does_not_hold_up_the_end_of_the_load(
    target: SnowflakeTarget, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(snowflake_target, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(snowflake_target, "HEARTBEAT_TIMEOUT_SECONDS", 0.5)
    logins = HeartbeatLogins(monkeypatch)
    logins.wrap = HeartbeatSession
    try:
        with caplog.at_level(logging.WARNING):
            with target.lock():
                wait_for(logins.sessions[0].hung.is_set)
                started = time.monotonic()
            assert time.monotonic() - started < 10
    finally:
        logins.sessions[0].unblock.set()
    assert "the lock heartbeat did not stop within 0.5 s" in caplog.text
    assert target.query("SELECT holder FROM etl_lock") == [(None,)]
    assert HEARTBEAT_TIMEOUT_SECONDS == 30  # the real value, restored


def test_unlock_releases_a_dead_loads_lock_at_once(
    target: SnowflakeTarget, snowflake_connection: dict[str, Any]
) -> None:
    held_by_another(target, heartbeat_seconds_ago=30)
    config = Config(warehouse_target="snowflake")
    options = {"connection": snowflake_connection}
    released = unlock_warehouse(config, target_options=options)
    assert released is not None and released.startswith(DEAD_OWNER + ", since ")
    assert unlock_warehouse(config, target_options=options) is None
    with target.lock():
        pass


def test_unlock_never_releases_a_lock_that_changed_hands_after_it_was_read(
    target: SnowflakeTarget,
    snowflake_connection: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held_by_another(target, heartbeat_seconds_ago=LOCK_EXPIRY_SECONDS + 60)
    new_load = "UPDATE etl_lock SET holder = 'new', owner = 'bo@box pid 7' WHERE id = 1"
    with right_after_the_lock_is_read(target, snowflake_connection, new_load, monkeypatch):
        with pytest.raises(DatabaseError, match="changed hands while unlocking"):
            target.unlock()
    assert target.query("SELECT holder, owner FROM etl_lock") == [("new", "bo@box pid 7")]


def test_a_load_that_lost_its_lock_commits_nothing(
    target: SnowflakeTarget, snowflake_connection: dict[str, Any]
) -> None:
    target.execute("CREATE TABLE probe (x INTEGER)")
    other = SnowflakeTarget(snowflake_connection)
    try:
        with target.lock():
            # While this load prepared its batch (no heartbeat got through), another load
            # decided it was dead and took the lock over. (Taken during the transaction, the
            # takeover is caught the same way on Snowflake, whose reads see committed rows; the
            # emulator's snapshot isolation would hide it.)
            other.execute("UPDATE etl_lock SET holder = 'thief', owner = 'x' WHERE id = 1")
            with pytest.raises(DatabaseError, match="lost the Snowflake lock to x"):
                with target.transaction():
                    target.execute("INSERT INTO probe VALUES (1)")
    finally:
        other.close()
    assert target.query("SELECT COUNT(*) FROM probe") == [(0,)]
    assert target.query("SELECT holder FROM etl_lock") == [("thief",)]  # not released by us


def test_a_lock_table_from_an_older_release_gains_owner_and_heartbeat(
    target: SnowflakeTarget,
) -> None:
    """Older releases kept (id, holder, since) only: a lock left there counts from ``since``."""
    target.execute("CREATE TABLE etl_lock (id INTEGER, holder VARCHAR, since TIMESTAMP)")
    target.execute(
        "INSERT INTO etl_lock VALUES (1, 'old-run', DATEADD(second, -3600, CURRENT_TIMESTAMP()))"
    )
    with target.lock():
        assert target.columns("etl_lock") == ["id", "holder", "since", "owner", "heartbeat_at"]
    assert target.query("SELECT holder FROM etl_lock") == [(None,)]
