"""Golden results: every KPI on the tiny lake (sf=0.01, seed 42), compared exactly.

Regenerate after an intended change with ``FLEETLAKE_REGEN_GOLDEN=1 pytest tests/kpi`` and
review the diff of ``tests/kpi/golden/tiny.json``.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from fleetlake.kpi import KPIS, run_kpis

GOLDEN = Path(__file__).parent / "golden" / "tiny.json"


def _exact(value) -> object:
    """Exact text for every value: decimals and floats keep all their digits."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value))


def _document(results: dict[str, pa.Table]) -> dict:
    return {
        name: {
            "columns": [f"{f.name} {f.type}" for f in table.schema],
            "rows": [[_exact(v) for v in row.values()] for row in table.to_pylist()],
        }
        for name, table in results.items()
    }


def _dump(document: dict) -> str:
    """JSON with one line per result row, so a diff shows exactly which rows changed."""

    def line(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    parts = []
    for name, result in document.items():
        rows = ",\n    ".join(line(row) for row in result["rows"])
        parts.append(
            f'  {line(name)}: {{\n   "columns": {line(result["columns"])},\n'
            f'   "rows": [\n    {rows}\n   ]\n  }}'
        )
    return "{\n" + ",\n".join(parts) + "\n}\n"


def test_golden_results_on_the_tiny_lake(tiny_lake) -> None:
    actual = _document(run_kpis(str(tiny_lake)))
    if os.environ.get("FLEETLAKE_REGEN_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(_dump(actual), "utf-8")
        pytest.skip("golden results regenerated")
    expected = json.loads(GOLDEN.read_text("utf-8"))
    assert list(actual) == list(KPIS)
    for name in KPIS:
        assert actual[name]["rows"], f"{name} returns no rows on the tiny lake"
        assert actual[name] == expected[name], name
