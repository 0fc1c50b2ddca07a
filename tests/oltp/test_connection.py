"""DSN precedence and password-free descriptions (no server needed)."""

from __future__ import annotations

import pytest

from fleetlake.errors import DatabaseError
from fleetlake.oltp.connection import connect, describe, resolve_dsn


def test_dsn_precedence() -> None:
    assert resolve_dsn("host=flag", "host=profile") == "host=flag"
    assert resolve_dsn(None, "host=profile") == "host=profile"
    assert resolve_dsn(None, None) == ""  # libpq reads PG* variables


def test_descriptions_never_hold_the_password(monkeypatch) -> None:
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGPORT", raising=False)
    assert describe("postgresql://ana:s3cret@db.example:5433/fleet") == "ana@db.example:5433/fleet"
    assert describe("host=h user=ana password=s3cret dbname=f") == "ana@h:5432/f"
    assert describe("not a dsn s3cret") == "<unparseable DSN>"


@pytest.mark.parametrize("dsn", ["host=127.0.0.1 passwrd=s3cret", "garbage s3cret"])
def test_malformed_dsn_is_not_echoed(dsn: str) -> None:
    with pytest.raises(DatabaseError) as info:
        connect(dsn)
    assert str(info.value) == "invalid PostgreSQL DSN: libpq cannot parse it"
