"""The wheel ships the SQL people read (top-level sql/) and the `fleetlake` command."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_every_sql_file_and_the_entry_point(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("fleetlake-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"fleetlake/sql/{p.relative_to(ROOT / 'sql')}" for p in (ROOT / "sql").rglob("*.sql")
    }
    assert len(expected) > 30 and expected <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "fleetlake = fleetlake.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_base_install_runs_without_pandas_or_faker(tmp_path):
    """pandas is only for the Snowflake extra and the tests: pyarrow imports it, when it is
    installed, on the first array it builds (0.3 s a process). Faker is only for the benchmark's
    baseline (the name pools ship as fleetlake/gen/names.py). A base install needs neither."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not [d for d in dependencies if d.lower().startswith(("pandas", "faker"))]
    lake, warehouse, report = tmp_path / "lake", tmp_path / "w.duckdb", tmp_path / "r.html"
    commands = [
        ["gen", "--sf", "0.01", "--days", "40", "--workers", "1", "--lake", str(lake)],
        ["validate", "--lake", str(lake)],
        ["kpi", "--lake", str(lake), "--format", "json"],
        ["warehouse", "load", "--lake", str(lake), "--warehouse-path", str(warehouse)],
        ["report", "--lake", str(lake), "--out", str(report)],
    ]
    code = (
        "import importlib.abc, sys\n"
        "class Missing(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('pandas', 'faker'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Missing())\n"
        "from fleetlake.cli import main\n"
        f"for args in {commands!r}:\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, (args, e.code)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'faker')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert report.stat().st_size > 10_000 and warehouse.exists()


def test_empty_tables_do_not_import_pandas():
    """``Schema.empty_table()`` imports pandas (0.4 s) where it is installed: fleetlake builds
    empty tables with ``schema.empty_table`` only."""
    calls = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "fleetlake").rglob("*.py")
        if ".empty_table()" in p.read_text(encoding="utf-8")
        and p != ROOT / "fleetlake" / "schema.py"
    ]
    assert calls == []
    code = (
        "import sys\n"
        "from fleetlake.schema import TRIPS, empty_table\n"
        "assert empty_table(TRIPS.schema).num_rows == 0\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
