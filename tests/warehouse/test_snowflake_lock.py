"""The Snowflake load lock: owner and heartbeat, takeover of a dead load's lock, unlock, fencing.

(DuckDB's lock is an ``flock`` that the OS releases with its process: nothing of this applies.)
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from fleetlake.config import Config
from fleetlake.errors import DatabaseError
from fleetlake.warehouse import unlock_warehouse
from fleetlake.warehouse.targets import snowflake as snowflake_target
from fleetlake.warehouse.targets.snowflake import LOCK_EXPIRY_SECONDS, SnowflakeTarget

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


def test_the_heartbeat_keeps_a_long_load_alive(
    target: SnowflakeTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snowflake_target, "HEARTBEAT_SECONDS", 0.2)
    with target.lock():
        first = target.query("SELECT heartbeat_at FROM etl_lock")[0][0]
        time.sleep(1.5)
        later = target.query("SELECT heartbeat_at FROM etl_lock")[0][0]
    assert later > first


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
