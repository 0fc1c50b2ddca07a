"""``validate``: prove a lake is whole and its data obeys the rules of the spec.

Two passes. The manifest pass checks that every listed partition file exists, hashes to the
recorded sha256 and holds the recorded rows (compacted real-time partitions too), and that no day
in the window lacks an entry. The data pass runs SQL rules in DuckDB over the lake: keys,
point-in-time foreign keys, time order, weights, value domains, and that every row sits in the
partition of its own date.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from fleetlake import schema
from fleetlake.lake import Lake
from fleetlake.lake.verify import decode_partition, read_files

SAMPLE = 3
DATE_FIELD = pa.field(schema.PARTITION_COLUMN, pa.date32())
EPOCH = date(1970, 1, 1)  # day 0 of Arrow's date32


@dataclass(frozen=True)
class Violation:
    rule: str
    count: int
    examples: tuple[str, ...] = ()

    def __str__(self) -> str:
        shown = "; ".join(self.examples)
        return f"{self.rule}: {self.count} violation(s)" + (f" — e.g. {shown}" if shown else "")


@dataclass
class ValidationReport:
    lake: str
    checks: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    partitions: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict:
        return {
            "lake": self.lake,
            "ok": self.ok,
            "checks": self.checks,
            "rows": self.rows,
            "partitions": self.partitions,
            "violations": [
                {"rule": v.rule, "count": v.count, "examples": list(v.examples)}
                for v in self.violations
            ],
        }


def _domain(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IS NULL OR {column} NOT IN ({listed})"


def _version_at(entity: str, fk: str, event_time: str) -> str:
    """Rows whose foreign key has no entity version with updated_at <= the event time."""
    return (
        f"{fk} IS NULL OR NOT EXISTS (SELECT 1 FROM {entity}_first f "
        f"WHERE f.id = {fk} AND f.first_at <= {event_time})"
    )


# (rule, table, condition that marks a violating row, what to show of it)
RULES: tuple[tuple[str, str, str, str], ...] = (
    ("trips.arrival >= departure", "trips", "arrival_datetime < departure_datetime", "trip_id"),
    (
        "trips.vehicle exists at departure",
        "trips",
        _version_at("vehicles", "trips.vehicle_id", "trips.departure_datetime"),
        "trip_id",
    ),
    (
        "trips.driver exists at departure",
        "trips",
        _version_at("drivers", "trips.driver_id", "trips.departure_datetime"),
        "trip_id",
    ),
    (
        "trips.route exists at departure",
        "trips",
        _version_at("routes", "trips.route_id", "trips.departure_datetime"),
        "trip_id",
    ),
    (
        "trips.completed have arrival and fuel",
        "trips",
        "status = 'completed' AND (arrival_datetime IS NULL OR fuel_consumed_liters IS NULL)",
        "trip_id",
    ),
    (
        "trips.load <= vehicle capacity",
        "trips",
        "total_weight_kg > (SELECT max(capacity_kg) FROM vehicles_history v "
        "WHERE v.vehicle_id = trips.vehicle_id)",
        "trip_id",
    ),
    (
        "deliveries.trip exists",
        "deliveries",
        "NOT EXISTS (SELECT 1 FROM trips t WHERE t.trip_id = deliveries.trip_id)",
        "delivery_id",
    ),
    (
        "deliveries.delivered after departure",
        "deliveries",
        "delivered_datetime < (SELECT departure_datetime FROM trips t "
        "WHERE t.trip_id = deliveries.trip_id)",
        "delivery_id",
    ),
    (
        "deliveries.delivered have a time",
        "deliveries",
        "delivery_status = 'delivered' AND delivered_datetime IS NULL",
        "delivery_id",
    ),
    ("deliveries.package weight > 0", "deliveries", "package_weight_kg < 0", "delivery_id"),
    (
        "delivery_events.delivery exists",
        "delivery_events",
        "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.delivery_id = delivery_events.delivery_id)",
        "event_id",
    ),
    (
        "gps_pings.trip exists",
        "gps_pings",
        "NOT EXISTS (SELECT 1 FROM trips t WHERE t.trip_id = gps_pings.trip_id)",
        "event_id",
    ),
    (
        "maintenance.vehicle exists on the day",
        "maintenance",
        _version_at(
            "vehicles", "maintenance.vehicle_id", "maintenance.maintenance_date + INTERVAL 1 DAY"
        ),
        "maintenance_id",
    ),
    (
        "maintenance.next date after date",
        "maintenance",
        "next_maintenance_date <= maintenance_date",
        "maintenance_id",
    ),
)

# (table, column, allowed values): each becomes a "<table>.<column> domain" rule.
DOMAINS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("trips", "status", schema.TRIP_STATUSES),
    ("deliveries", "delivery_status", schema.DELIVERY_STATUSES),
    ("delivery_events", "delivery_status", schema.DELIVERY_STATUSES),
    ("maintenance", "maintenance_type", schema.MAINTENANCE_TYPES),
    ("vehicles", "vehicle_type", schema.VEHICLE_TYPES),
    ("vehicles", "fuel_type", schema.FUEL_TYPES),
    ("vehicles", "status", schema.VEHICLE_STATUSES),
    ("drivers", "status", schema.DRIVER_STATUSES),
    ("customers", "customer_type", schema.CUSTOMER_TYPES),
    ("customers", "city", schema.CITIES),
    ("routes", "origin_city", schema.CITIES),
    ("routes", "destination_city", schema.CITIES),
)
RULES += tuple(
    (
        f"{table}.{column} domain",
        schema.ALL_TABLES[table].all_rows_view,
        _domain(column, values),
        schema.ALL_TABLES[table].id_column,
    )
    for table, column, values in DOMAINS
)

# Queries returning one row per violation, with a label.
AGGREGATE_RULES: tuple[tuple[str, str], ...] = (
    (
        "deliveries.customer exists at departure",
        "SELECT d.delivery_id::VARCHAR FROM deliveries d JOIN trips t USING (trip_id) "
        "LEFT JOIN customers_first f ON f.id = d.customer_id "
        "WHERE d.customer_id IS NOT NULL AND (f.id IS NULL OR f.first_at > t.departure_datetime)",
    ),
    (
        "trips.package weights <= load",
        "SELECT d.trip_id::VARCHAR FROM deliveries d JOIN trips t USING (trip_id) "
        "GROUP BY d.trip_id, t.total_weight_kg HAVING sum(d.package_weight_kg) > t.total_weight_kg",
    ),
    (
        "deliveries.tracking_number unique",
        "SELECT tracking_number FROM deliveries GROUP BY 1 HAVING count(*) > 1",
    ),
    (
        "vehicles.license_plate unique per vehicle",
        "SELECT license_plate FROM vehicles_history GROUP BY 1 "
        "HAVING count(DISTINCT vehicle_id) > 1",
    ),
    (
        "drivers.license_number unique per driver",
        "SELECT license_number FROM drivers_history GROUP BY 1 "
        "HAVING count(DISTINCT driver_id) > 1",
    ),
)

# Deliveries are partitioned by their trip's departure date, which the delivery row lacks.
DELIVERIES_OUTSIDE_THEIR_PARTITION = (
    "SELECT d.delivery_id::VARCHAR FROM deliveries d JOIN trips t USING (trip_id) "
    'WHERE CAST(t.departure_datetime AS DATE) <> d."date"'
)

# Every word of the rules' SQL: a column no rule names is never decoded (see _checked_columns).
_RULE_WORDS = frozenset(
    re.findall(
        r"\w+",
        " ".join(
            [f"{condition} {label}" for _, _, condition, label in RULES]
            + [query for _, query in AGGREGATE_RULES]
            + [DELIVERIES_OUTSIDE_THEIR_PARTITION]
        ),
    )
)


def _checked_columns(spec: schema.TableSpec) -> list[str]:
    """The columns the checks read, in schema order: keys, the partition column and those the
    rules name. Free text (names, addresses, descriptions) is never checked and costs the most
    to decode; the file's sha256 already proves it is what the writer wrote."""
    always = {*spec.primary_key, spec.partition_by, schema.UPDATED_AT}
    return [f.name for f in spec.schema if f.name in always or f.name in _RULE_WORDS]


class ValidationStopped(Exception):
    """``validate_lake`` gave up because its caller no longer needs the result."""


def validate_lake(lake: Lake, stop: threading.Event | None = None) -> ValidationReport:
    """Check the lake; the report lists every violated rule with a count and examples.

    Each partition file is read once: hashed for the manifest pass, then decoded for the data pass
    (files that fail the manifest pass are reported and left out of the data pass). When ``stop``
    is set (by a caller running this in a thread), it raises ``ValidationStopped`` at its next
    table or rule instead of finishing.
    """
    import duckdb

    def check_stop() -> None:
        if stop is not None and stop.is_set():
            raise ValidationStopped(f"validation of {lake.uri} stopped")

    report = ValidationReport(lake.uri)
    _check_days(lake, report)
    report.checks.append("manifest: files exist, hashes and row counts match")
    con = duckdb.connect()
    problems: list[str] = []
    try:
        for spec in schema.ALL_TABLES.values():
            table = _read_checked(lake, spec, report, problems, check_stop)
            # Queried in place: copying into DuckDB tables costs more than the checks gain.
            con.register(spec.all_rows_view, table)
        if problems:
            report.violations.append(
                Violation("manifest: partition files", len(problems), tuple(problems[:SAMPLE]))
            )
        for spec in schema.ENTITY_TABLES:  # when each entity first appears in its change log
            con.execute(
                f"CREATE TABLE {spec.name}_first AS SELECT {spec.id_column} AS id, "
                f"min(updated_at) AS first_at FROM {spec.name}_history GROUP BY 1"
            )
        for spec in schema.ALL_TABLES.values():
            check_stop()
            source = spec.all_rows_view
            keys = ", ".join(spec.primary_key)
            _collect(
                report,
                con,
                f"{spec.name}.primary key unique",
                f"SELECT concat_ws('/', {keys}) FROM {source} GROUP BY {keys} HAVING count(*) > 1",
            )
            _collect(
                report,
                con,
                f"{spec.name}.rows in their date partition",
                f"SELECT concat_ws('/', {keys}) FROM {source} "
                f'WHERE CAST({spec.partition_by} AS DATE) <> "date"'
                if spec.name != "deliveries"
                else DELIVERIES_OUTSIDE_THEIR_PARTITION,
            )
        for rule, table, condition, label in RULES:
            check_stop()
            _collect(report, con, rule, f"SELECT {label}::VARCHAR FROM {table} WHERE {condition}")
        for rule, query in AGGREGATE_RULES:
            check_stop()
            _collect(report, con, rule, query)
    finally:
        con.close()
    return report


def _collect(report: ValidationReport, con, rule: str, query: str) -> None:
    report.checks.append(rule)
    count, examples = con.execute(
        f"SELECT count(*), list(v ORDER BY v)[1:{SAMPLE}] FROM ({query}) AS bad(v)"
    ).fetchall()[0]
    if count:
        report.violations.append(Violation(rule, int(count), tuple(str(e) for e in examples)))


def _check_days(lake: Lake, report: ValidationReport) -> None:
    manifest = lake.manifest
    report.checks.append("manifest: every day of the window has an entry")
    listed = {entry.day for entry in manifest.days}
    missing = []
    day = manifest.start
    while day < manifest.end:
        if day not in listed:
            missing.append(day.isoformat())
        day += timedelta(days=1)
    if missing:
        report.violations.append(
            Violation("manifest: days without an entry", len(missing), tuple(missing[:SAMPLE]))
        )


def _read_checked(
    lake: Lake,
    spec: schema.TableSpec,
    report: ValidationReport,
    problems: list[str],
    check_stop: Callable[[], None],
) -> pa.Table:
    """The table's partitions that match the manifest (checked columns only), with their
    ``date`` partition column; ``check_stop`` is called before each partition."""
    check_stop()
    parts = sorted(lake.partitions(spec.name).items())
    contents = read_files(lake.storage, [part.file for _, part in parts])
    columns = _checked_columns(spec)
    tables = [schema.empty_table(pa.schema([spec.schema.field(c) for c in columns]))]
    days: list[tuple[date, int]] = []
    for (day, part), data in zip(parts, contents, strict=True):
        check_stop()
        report.rows[spec.name] = report.rows.get(spec.name, 0) + part.rows
        report.partitions[spec.name] = report.partitions.get(spec.name, 0) + 1
        table, problem = decode_partition(part, data, columns)
        if problem:
            problems.append(f"{part.file} {problem}")
            continue
        tables.append(table)
        days.append((day, table.num_rows))
    return pa.concat_tables(tables).append_column(DATE_FIELD, _partition_dates(days))


def _partition_dates(days: list[tuple[date, int]]) -> pa.Array:
    """Each partition's date, repeated for its rows. Built from a numpy buffer: ``pa.array`` of
    Python dates imports pandas (0.4 s), which nothing else in ``validate`` needs."""
    ordinals = np.repeat(
        np.array([(day - EPOCH).days for day, _ in days], np.int32), [n for _, n in days]
    )
    return pa.Array.from_buffers(pa.date32(), len(ordinals), [None, pa.py_buffer(ordinals)])
