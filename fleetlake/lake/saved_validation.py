"""A lake's validation result, kept for its exact content.

``validate_lake`` reads every partition: seconds at sf=1, far more than a report or the checks
before a load need otherwise. Its result depends only on the lake's content, which the manifest
fingerprints (a sha256 per partition, generated and compacted real-time alike), and on the rules.
So ``fleetlake validate`` saves it next to the lake (``Lake.cache_file``), and the report and the
loads with ``--validate`` (Postgres, warehouse) reuse it while both are unchanged, or validate and
save it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import fleetlake
from fleetlake.errors import ValidationError
from fleetlake.lake import Lake
from fleetlake.lake import validate as rules
from fleetlake.lake.validate import ValidationReport, Violation, validate_lake
from fleetlake.lake.verify import file_problem, read_files


def rules_version() -> str:
    """fleetlake's release, the rules in force and the source of the validation module (the
    checks written in code): a result saved under other rules is never reused."""
    digest = hashlib.sha256(Path(rules.__file__).read_bytes())
    digest.update(repr((rules.RULES, rules.AGGREGATE_RULES)).encode())
    digest.update(repr(rules.DELIVERIES_OUTSIDE_THEIR_PARTITION).encode())
    return f"{fleetlake.__version__}|{digest.hexdigest()}"


def fingerprint(lake: Lake) -> str:
    """A hash of the rules, the lake's identity and every partition's content hash (generated
    tables and the compacted real-time ones, which ``validate_lake`` checks too)."""
    m = lake.manifest
    identity = f"{rules_version()}|{m.seed}|{m.sf}|{m.start}|{m.generator_version}"
    digest = hashlib.sha256(identity.encode())
    for kind, partitions in (("gen", m.partitions), ("stream", m.stream_partitions)):
        for table, days in sorted(partitions.items()):
            for day, info in sorted(days.items()):
                digest.update(
                    f"|{kind}|{table}|{day}|{info.file}|{info.rows}|{info.sha256}".encode()
                )
    return digest.hexdigest()


def saved_result_path(lake: Lake) -> Path:
    """Inside a local lake's ``.cache``, else in the user's cache (see ``Lake.cache_file``)."""
    return lake.cache_file("validation", ".json")


def _from_dict(document: dict) -> ValidationReport:
    violations = [
        Violation(v["rule"], int(v["count"]), tuple(v["examples"])) for v in document["violations"]
    ]
    return ValidationReport(
        document["lake"],
        list(document["checks"]),
        violations,
        dict(document["rows"]),
        dict(document["partitions"]),
    )


def saved_validation(lake: Lake) -> ValidationReport | None:
    """The result saved for this exact lake content, if any: saved for the manifest in force,
    and every file it lists still has the bytes it had (read and hashed, not decoded: the cheap
    part of validating; a file changed or lost since must not be loaded on an old verdict)."""
    try:
        saved = json.loads(saved_result_path(lake).read_text(encoding="utf-8"))
        if saved.get("fingerprint") != fingerprint(lake):
            return None
        report = _from_dict(saved["report"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no usable saved result
    return report if _files_intact(lake) else None


def _files_intact(lake: Lake) -> bool:
    m = lake.manifest
    parts = [
        info
        for partitions in (m.partitions, m.stream_partitions)
        for days in partitions.values()
        for info in days.values()
        if info.file
    ]
    contents = read_files(lake.storage, [info.file for info in parts])
    return not any(file_problem(info, data) for info, data in zip(parts, contents, strict=True))


def save_validation(lake: Lake, report: ValidationReport) -> None:
    """Remember ``report`` for this lake content."""
    path = saved_result_path(lake)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"fingerprint": fingerprint(lake), "report": report.to_dict()}
        path.write_text(json.dumps(document), "utf-8")
    except OSError:
        pass  # a read-only lake still gets its report, only without the saved result


def refuse_invalid(lake: Lake, then: str) -> None:
    """ValidationError (one line: the first violation, then ``then``) unless the lake passes."""
    report = validation_of(lake)
    if not report.ok:
        raise ValidationError(f"lake {lake.uri} fails validation ({report.violations[0]}); {then}")


def validation_of(lake: Lake) -> ValidationReport:
    """The saved result for this exact lake content, or a fresh ``validate_lake`` (then saved)."""
    report = saved_validation(lake)
    if report is None:
        report = validate_lake(lake)
        save_validation(lake, report)
    return report
