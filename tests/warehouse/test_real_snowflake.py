"""Against a real Snowflake account: runs only when SNOWFLAKE_ACCOUNT and friends are set."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fleetlake.errors import DatabaseError
from fleetlake.warehouse.model import DIM_VEHICLE
from fleetlake.warehouse.targets.snowflake import SnowflakeTarget
from tests.warehouse.helpers import assert_scd2_invariants, load, versions
from tests.warehouse.rows import T0, rows

pytestmark = pytest.mark.snowflake


def test_scd2_close_then_insert_on_real_snowflake(
    real_snowflake_connection: dict[str, Any],
) -> None:
    schema = real_snowflake_connection.pop("schema")
    target = SnowflakeTarget(real_snowflake_connection)
    try:
        target.execute(f"CREATE SCHEMA {schema}")
        target.execute(f"USE SCHEMA {schema}")
        load(target, vehicles=rows("vehicles", {"vehicle_id": 1}, {"vehicle_id": 2}))
        change = {"vehicle_id": 1, "status": "maintenance", "updated_at": T0 + timedelta(days=1)}
        load(target, vehicles=rows("vehicles", change))
        load(target, vehicles=rows("vehicles", change))  # rerun: no change
        assert [v[3] for v in versions(target, "dim_vehicle", 1, "status")] == [
            "active",
            "maintenance",
        ]
        assert_scd2_invariants(target, DIM_VEHICLE)
    finally:
        target.execute(f"DROP SCHEMA IF EXISTS {schema}")
        target.close()


def test_wrong_credentials_are_one_clear_error(real_snowflake_connection: dict[str, Any]) -> None:
    wrong = {**real_snowflake_connection, "password": "certainly-not-the-password"}
    wrong.pop("authenticator", None)
    wrong.pop("private_key_file", None)
    with pytest.raises(DatabaseError, match="cannot connect to Snowflake"):
        SnowflakeTarget(wrong)
