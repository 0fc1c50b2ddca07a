"""Every benchmark script imports: a helper it uses cannot be renamed or removed unnoticed."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(p.stem for p in BENCHMARKS.glob("bench_*.py"))


def test_there_are_benchmarks_to_check():
    assert {"bench_gen", "bench_ingest", "bench_kpi"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_benchmark_script_imports_and_has_a_main(name, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # they import each other (bench_pg_load)
    module = importlib.import_module(name)
    assert callable(module.main)
    sys.modules.pop(name, None)
