"""Data flows one way: gen -> lake -> {oltp, kpi, warehouse}; serverless -> lake; cli on top."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fleetlake"

# area -> areas (and third-party modules) it must never import
FORBIDDEN = {
    "gen": {
        "lake",
        "oltp",
        "kpi",
        "warehouse",
        "serverless",
        "report",
        "pipeline",
        "cli",
        "config",
        "duckdb",
        "boto3",
        "psycopg",
        "snowflake",
    },
    "lake": {"oltp", "kpi", "warehouse", "serverless", "report", "pipeline", "cli"},
    "oltp": {"warehouse", "serverless", "report", "pipeline", "cli"},
    "kpi": {"warehouse", "serverless", "report", "pipeline", "cli"},
    "warehouse": {"oltp", "serverless", "report", "pipeline", "cli"},
    "serverless": {"oltp", "kpi", "warehouse", "report", "pipeline", "cli"},
}


def imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def area_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "fleetlake":
        return parts[1] if len(parts) > 1 else None
    return parts[0]


def test_no_module_imports_against_the_flow():
    offences = []
    for area, forbidden in FORBIDDEN.items():
        files = [PACKAGE / f"{area}.py"] if (PACKAGE / f"{area}.py").exists() else []
        files += list((PACKAGE / area).rglob("*.py")) if (PACKAGE / area).is_dir() else []
        assert files, f"no code found for area {area}"
        for path in files:
            for name in imported_names(path):
                if area_of(name) in forbidden:
                    offences.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert offences == []


def test_help_imports_no_database_or_cloud_driver():
    code = (
        "import sys; from fleetlake.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('snowflake', 'psycopg', 'boto3', 'duckdb', 'moto') "
        "if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip().splitlines()[-1] == "[]"
