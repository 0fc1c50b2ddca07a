"""The shipped name lists are exactly the pinned Faker's es_CO lists (scripts/name_pools.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
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


def test_generating_a_lake_never_imports_faker(tmp_path):
    code = (
        "import sys\n"
        "from fleetlake.pipeline import generate_lake\n"
        f"generate_lake({str(tmp_path / 'lake')!r}, sf=0.01, seed=1, days=3, workers=1)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'faker'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
