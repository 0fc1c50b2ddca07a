"""The 12 KPIs: DuckDB over the lake (warm) and the same SQL on PostgreSQL, in one run.

    .venv/bin/python benchmarks/bench_kpi.py --sf 1 --sf 10 [--repeat 5] [--dsn DSN]

For each sf, on the benchmark lake (generated once under the temp dir, seed 42, 730 days):

* DuckDB: the first ``run_kpis`` after removing the KPI cache (builds it), then the median of
  ``repeat`` warm runs of all 12 (the whole call: open and sync the cache, run, fetch Arrow),
  and each KPI's median inside one warm connection (target at sf=1: <= 0.3 s for all 12);
* PostgreSQL (``--dsn``, ``FLEETLAKE_TEST_PG_DSN`` or a throwaway cluster): ``pg load``, one
  warm-up, then the median of ``repeat`` runs of all 12 with the same SQL text, and the ratio
  PostgreSQL / DuckDB (target at sf=10: >= 10x); of that, the time spent turning the fetched rows
  into Arrow tables column-wise (``result_table``) against the per-cell loop it replaced;
* with ``--explain DIR``: ``pg explain`` on that database, written to ``DIR/sf<sf>/``.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from statistics import median

import pyarrow as pa
from bench_pg_load import ensure_lake, postgres

from fleetlake.config import DEFAULT_ON_TIME_TOLERANCE_MINUTES
from fleetlake.kpi import KPIS, run_kpis
from fleetlake.kpi.cache import cache_file, create_views, open_cache
from fleetlake.kpi.queries import bind, kpi_text, translate
from fleetlake.kpi.run import checked_as_of, result_table
from fleetlake.oltp.connection import connect
from fleetlake.oltp.explain import explain_kpis, write_report
from fleetlake.oltp.load import load_lake


def _timed(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return median(times)


def per_kpi_duckdb(lake, repeat: int) -> dict[str, float]:
    """Median seconds of each KPI inside one warm DuckDB connection."""
    con = open_cache(lake)
    as_of = checked_as_of(None, lake.manifest.start, lake.manifest.end)
    create_views(con, as_of)
    times = {}
    for name in KPIS:
        sql = kpi_text(name)
        query = translate(sql, "duckdb")
        params = bind(sql, as_of, DEFAULT_ON_TIME_TOLERANCE_MINUTES)
        times[name] = _timed(
            lambda q=query, p=params: con.sql(q, params=p).to_arrow_table(), repeat
        )
    con.close()
    return times


class _Fetched:
    """A cursor whose rows are already fetched: times the Arrow conversion alone."""

    def __init__(self, description, rows: list[tuple]) -> None:
        self.description, self.rows = description, rows

    def fetchall(self) -> list[tuple]:
        return self.rows


def _per_cell(cursor) -> pa.Table:
    """The per-cell loop ``result_table`` replaced (the baseline)."""
    rows = cursor.fetchall()
    names = [d.name for d in cursor.description]
    return pa.table({n: pa.array([row[i] for row in rows]) for i, n in enumerate(names)})


def postgres_conversion(lake, dsn: str, repeat: int) -> tuple[float, float, int]:
    """Median seconds to convert all 12 fetched results: column-wise, per cell; and the cells."""
    as_of = checked_as_of(None, lake.manifest.start, lake.manifest.end)
    with connect(dsn, autocommit=True) as con:
        fetched = []
        for name in KPIS:
            sql = kpi_text(name)
            params = bind(sql, as_of, DEFAULT_ON_TIME_TOLERANCE_MINUTES)
            cursor = con.execute(translate(sql, "postgres"), params)
            fetched.append(_Fetched(cursor.description, cursor.fetchall()))
    cells = sum(len(f.rows) * len(f.description) for f in fetched)
    for f in fetched:
        assert result_table(f) == _per_cell(f)
    rounds = 20 * repeat  # one conversion takes milliseconds: repeat enough to see it
    column_wise = _timed(lambda: [result_table(f) for f in fetched], rounds)
    per_cell = _timed(lambda: [_per_cell(f) for f in fetched], rounds)
    return column_wise, per_cell, cells


def bench(sf: float, lake_path: Path | None, repeat: int, dsn: str, explain: Path | None) -> None:
    lake = ensure_lake(sf, lake_path)
    shutil.rmtree(cache_file(lake).parent, ignore_errors=True)
    began = time.perf_counter()
    run_kpis(lake)
    cold = time.perf_counter() - began
    warm = _timed(lambda: run_kpis(lake), repeat)
    parts = per_kpi_duckdb(lake, repeat)
    print(f"sf={sf:g} DuckDB: first run {cold:.2f} s (builds {cache_file(lake)})")
    print(
        f"sf={sf:g} DuckDB: all 12 KPIs warm {warm:.3f} s (median of {repeat}); "
        f"sum of per-KPI medians {sum(parts.values()):.3f} s"
    )
    print(
        "   " + ", ".join(f"{name[:3]} {seconds * 1000:.0f} ms" for name, seconds in parts.items())
    )
    loaded = load_lake(lake, dsn)
    print(f"sf={sf:g} pg load: {sum(loaded.rows.values()):,} rows in {loaded.seconds:.2f} s")
    run_kpis(lake, engine="postgres", dsn=dsn)  # warm-up: caches, plans
    pg = _timed(lambda: run_kpis(lake, engine="postgres", dsn=dsn), repeat)
    print(
        f"sf={sf:g} PostgreSQL: all 12 KPIs {pg:.3f} s (median of {repeat}); "
        f"DuckDB is {pg / warm:.1f}x faster"
    )
    column_wise, per_cell, cells = postgres_conversion(lake, dsn, repeat)
    print(
        f"sf={sf:g} PostgreSQL: results to Arrow ({cells:,} cells) {column_wise * 1000:.2f} ms "
        f"column-wise vs {per_cell * 1000:.2f} ms per cell ({per_cell / column_wise:.2f}x)"
    )
    if explain:
        report = explain_kpis(dsn, repeat=repeat)
        json_path, _ = write_report(report, explain / f"sf{sf:g}")
        helps = [i["name"] for i in report["indexes"] if i["verdict"] == "helps"]
        print(
            f"sf={sf:g} pg explain: {report['total_before_ms']:.0f} ms without the recommended "
            f"indexes, {report['total_after_ms']:.0f} ms with; helping: {', '.join(helps) or '-'} "
            f"({json_path})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, action="append", help="scale factor(s) [1 and 10]")
    parser.add_argument("--lake", type=Path, help="lake to use (only with a single --sf)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dsn", help="PostgreSQL DSN [FLEETLAKE_TEST_PG_DSN or a throwaway one]")
    parser.add_argument(
        "--explain", type=Path, help="also run `pg explain`, reports into DIR/sf<sf>/"
    )
    args = parser.parse_args()
    scales = args.sf or [1.0, 10.0]
    if args.lake and len(scales) > 1:
        parser.error("--lake needs a single --sf")
    with postgres(args.dsn) as dsn:
        for sf in scales:
            bench(sf, args.lake, args.repeat, dsn, args.explain)


if __name__ == "__main__":
    main()
