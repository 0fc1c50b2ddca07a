"""The shipped name lists are exactly the pinned Faker's es_CO lists (scripts/name_pools.py).

That no command imports Faker is tested in tests/test_packaging.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fleetlake.gen import names

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "name_pools.py"


def _script():
    spec = importlib.util.spec_from_file_location("name_pools", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_names_module_is_what_the_script_writes_from_the_pinned_faker():
    script = _script()
    assert Path(names.__file__).read_text(encoding="utf-8") == script.render(), (
        "fleetlake/gen/names.py is stale: run python scripts/name_pools.py"
    )
    assert names.FIRST_NAMES == tuple(script.provider_values("first_names"))
    assert len(names.FIRST_NAMES) == 600 and len(names.LAST_NAMES) == 300
    assert "José" in names.FIRST_NAMES  # accents survive the round trip
