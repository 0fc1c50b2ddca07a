"""The wheel ships the SQL people read (top-level sql/) and the `fleetlake` command."""

from __future__ import annotations

import subprocess
import sys
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
