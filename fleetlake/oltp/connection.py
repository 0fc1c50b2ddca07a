"""Connecting to PostgreSQL: DSN precedence, password-free descriptions, error translation.

The DSN comes from the ``--dsn`` flag, else the profile's ``postgres_dsn``, else libpq's own
``PG*`` environment variables (an empty DSN lets libpq read them). A password is never printed:
messages describe the server by host, port, database and user only. Driver errors are
translated here, once, into ``DatabaseError`` with one readable line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from fleetlake.errors import ConfigError, DatabaseError

if TYPE_CHECKING:
    import psycopg


def resolve_dsn(flag: str | None = None, configured: str | None = None) -> str:
    """The DSN to use: the flag, else the configured one, else ``""`` (libpq ``PG*`` variables)."""
    return flag or configured or ""


def describe(dsn: str) -> str:
    """``user@host:port/dbname`` for messages; never includes the password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - a malformed DSN must not echo itself (it may hold a password)
        return "<unparseable DSN>"
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    user = params.get("user") or os.environ.get("PGUSER") or ""
    dbname = params.get("dbname") or os.environ.get("PGDATABASE") or user
    return f"{user + '@' if user else ''}{host}:{port}/{dbname}"


def _libpq_message(error: Exception) -> str:
    """A psycopg error on one line, without libpq's prefixes (its detail can span lines)."""
    text = str(error).strip()
    # libpq prefixes 'connection failed: connection to server at "h", port p failed: FATAL: ...'
    text = text.split("failed: ")[-1] if "failed: " in text else text
    return " ".join(text.split()) or type(error).__name__


def database_error(error: Exception, dsn: str, doing: str) -> DatabaseError:
    """Translate a psycopg error into one line naming the server (without password)."""
    return DatabaseError(f"PostgreSQL {describe(dsn)}: {doing} failed: {_libpq_message(error)}")


def connect(dsn: str, autocommit: bool = False, connect_timeout: int = 10) -> psycopg.Connection:
    """Open a connection, in UTC, translating any failure into a one-line ``DatabaseError``."""
    try:
        import psycopg
    except ImportError:
        raise ConfigError(
            "PostgreSQL support needs psycopg: pip install 'fleetlake[postgres]'"
        ) from None
    try:
        return psycopg.connect(
            dsn,
            autocommit=autocommit,
            connect_timeout=connect_timeout,
            options="-c TimeZone=UTC",
        )
    except psycopg.ProgrammingError:  # malformed DSN; its text may hold a password, never echo it
        raise DatabaseError("invalid PostgreSQL DSN: libpq cannot parse it") from None
    except psycopg.Error as e:
        raise database_error(e, dsn, "connect") from e
