"""Apply one batch to a dimension: SCD2 close-then-insert, or SCD1 overwrite.

Planning (``plan_dimension``) runs before the load's transaction and only writes a temporary plan
table; ``apply_dimension`` runs inside it: UPDATE then INSERT (no MERGE, so no target-specific
duplicate behaviour: duplicates were rejected while preparing the batch).
"""

from __future__ import annotations

from dataclasses import dataclass

from fleetlake.warehouse.model import FACT_NATURAL_KEYS, DimSpec
from fleetlake.warehouse.targets import Target, run_script, sql_text


@dataclass(frozen=True)
class DimCounts:
    inserted: int
    updated: int
    rejected: int = 0


def _identifiers(dim: DimSpec) -> dict[str, str]:
    return {
        "dim": dim.table,
        "source": dim.source,
        "stage": dim.stage,
        "plan": dim.plan,
        "key": dim.key,
        "natural_key": dim.natural_key,
        "columns": ", ".join(dim.tracked),
        "stage_columns": ", ".join(f"s.{c}" for c in dim.tracked),
        "set_columns": ", ".join(f"{c} = s.{c}" for c in dim.tracked),
    }


def plan_dimension(target: Target, dim: DimSpec) -> DimCounts:
    """Write the plan table for ``dim`` from its staged batch; return what applying it will do."""
    ids = _identifiers(dim)
    rejected = 0
    if dim.scd2:
        run_script(target, "scd2_plan.sql", **ids)
        updated = target.query(sql_text(target, "scd2_count_closed.sql", **ids))[0][0]
        rejected = target.query(f"SELECT COUNT(*) FROM {dim.plan}_conflicts")[0][0]
    else:
        run_script(target, "scd1_plan.sql", **ids)
        updated = target.query(f"SELECT COUNT(*) FROM {dim.plan} WHERE existing_key IS NOT NULL")[
            0
        ][0]
    inserted = target.query(f"SELECT COUNT(*) FROM {dim.plan} WHERE existing_key IS NULL")[0][0]
    return DimCounts(int(inserted), int(updated), int(rejected))


def close_changed_versions(target: Target, dim: DimSpec) -> None:
    """SCD2 step 1: shorten the windows of versions superseded by the batch."""
    run_script(target, "scd2_close.sql", **_identifiers(dim))


def insert_new_versions(target: Target, dim: DimSpec, run_id: int) -> None:
    """SCD2 step 2: insert the batch's new versions with their windows."""
    run_script(target, "scd2_insert.sql", [run_id], **_identifiers(dim))


def repoint_facts(target: Target, dim: DimSpec) -> None:
    """Move existing facts to the member or version valid at their event time after new rows
    arrived (found by natural id: facts on the unknown member included)."""
    script = "scd2_repoint_facts.sql" if dim.scd2 else "scd1_repoint_facts.sql"
    for fact, natural_keys in FACT_NATURAL_KEYS.items():
        if dim.natural_key in natural_keys:
            run_script(target, script, fact=fact, **_identifiers(dim))


def apply_dimension(target: Target, dim: DimSpec, run_id: int) -> None:
    """Apply the plan (inside the caller's transaction)."""
    ids = _identifiers(dim)
    if dim.scd2:
        run_script(target, "scd2_reject_conflicts.sql", [run_id], **ids)
        close_changed_versions(target, dim)
        insert_new_versions(target, dim, run_id)
        repoint_facts(target, dim)
    else:
        run_script(target, "scd1_update.sql", [run_id], **ids)
        run_script(target, "scd1_insert.sql", [run_id], **ids)
        repoint_facts(target, dim)
