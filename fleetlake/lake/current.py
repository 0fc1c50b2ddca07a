"""The state of an entity table as of a time: the latest version of each entity.

Entity tables are change logs (one row per version, stamped with ``updated_at``). Turning a
change log into state is written once, in ``sql/lake/current_state.sql``, and used by
``Lake.current``, the entity views of ``Lake.register_duckdb`` and the KPIs' DuckDB cache, so
the lake, the PostgreSQL copy and the KPIs cannot disagree on what "current" means.
"""

from __future__ import annotations

from datetime import datetime

from fleetlake.errors import LakeError
from fleetlake.schema import TableSpec
from fleetlake.sql_files import read_sql


def current_state_sql(spec: TableSpec, history: str, as_of: datetime | None = None) -> str:
    """A DuckDB SELECT of each entity's latest version in ``history`` with updated_at <= as_of.

    ``history`` names a relation holding the table's change log; ``as_of`` None means the latest
    version of all. The cutoff is a literal (not a bound parameter) so the text can define views.
    """
    if not spec.is_entity:
        raise LakeError(f"'{spec.name}' is an event table; current state exists for entity tables")
    if as_of is not None and as_of.tzinfo is not None:  # DuckDB would drop the offset silently
        raise LakeError(
            f"as of {as_of.isoformat()}: give a naive lake time (Colombia wall clock), "
            "as updated_at is"
        )
    cutoff = "NULL" if as_of is None else f"TIMESTAMP '{as_of.isoformat(sep=' ')}'"
    text = read_sql("lake/current_state.sql").format(
        columns=", ".join(spec.schema.names),
        history=history,
        id_column=spec.id_column,
        cutoff=cutoff,
    )
    return text.strip()
