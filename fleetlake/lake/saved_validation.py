"""A lake's validation result, kept for its exact content.

``validate_lake`` reads every partition: seconds at sf=1, far more than a report or the checks
before a load need otherwise. Its result depends only on the lake's content, which the manifest
fingerprints (a sha256 per partition, generated and compacted real-time alike), and on the rules.
So ``fleetlake validate`` saves it next to the lake (``Lake.cache_file``), and the report and the
loads with ``--validate`` (Postgres, warehouse) reuse it while both are unchanged, or validate and
save it.

A file rewritten behind the manifest's back must not be loaded on an old verdict, and reading every
file again to rule that out would download a whole S3 lake. So the result also keeps what tells
each file's versions apart (``Storage.stats``: size, modification time and, locally, inode and
status-change time), listed before validating: one listing (a request per thousand objects on
S3) shows whether any file was rewritten, replaced or lost since.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import fleetlake
from fleetlake.errors import ValidationError
from fleetlake.lake import Lake
from fleetlake.lake import validate as rules
from fleetlake.lake.validate import ValidationReport, Violation, validate_lake


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
    and every file it lists looks as it did (``file_stats``) when that validation started."""
    try:
        saved = json.loads(saved_result_path(lake).read_text(encoding="utf-8"))
        if saved.get("fingerprint") != fingerprint(lake):
            return None
        report = _from_dict(saved["report"])
        files = {key: tuple(stat) if stat else None for key, stat in saved["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no usable saved result
    now = file_stats(lake)
    return report if now == files and None not in now.values() else None


def file_stats(lake: Lake) -> dict[str, tuple[int, ...] | None]:
    """``Storage.stats`` of every file the manifest lists; None for a file that is missing."""
    m = lake.manifest
    listed = {
        info.file
        for partitions in (m.partitions, m.stream_partitions)
        for days in partitions.values()
        for info in days.values()
        if info.file
    }
    tables = {file.split("/", 1)[0] for file in listed}
    found = {key: stat for t in sorted(tables) for key, stat in lake.storage.stats(t).items()}
    return {file: found.get(file) for file in listed}


def save_validation(
    lake: Lake, report: ValidationReport, files: dict[str, tuple[int, ...] | None]
) -> None:
    """Remember ``report`` for this lake content; ``files`` are the ``file_stats`` listed before
    the validation that produced it."""
    path = saved_result_path(lake)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"fingerprint": fingerprint(lake), "report": report.to_dict(), "files": files}
        path.write_text(json.dumps(document), "utf-8")
    except OSError:
        pass  # a read-only lake still gets its report, only without the saved result


def validate_and_save(lake: Lake, stop: threading.Event | None = None) -> ValidationReport:
    """A fresh ``validate_lake``, saved with the files as they were listed before it ran (a file
    rewritten while it runs is seen as changed next time); ``stop`` as for ``validate_lake``."""
    files = file_stats(lake)
    report = validate_lake(lake, stop)
    save_validation(lake, report, files)
    return report


def refuse_invalid(lake: Lake, then: str) -> None:
    """ValidationError (one line: the first violation, then ``then``) unless the lake passes."""
    report = validation_of(lake)
    if not report.ok:
        raise ValidationError(f"lake {lake.uri} fails validation ({report.violations[0]}); {then}")


def validation_of(lake: Lake, stop: threading.Event | None = None) -> ValidationReport:
    """The saved result for this exact lake content, or a fresh ``validate_lake`` (then saved);
    ``stop`` as for ``validate_lake``."""
    return saved_validation(lake) or validate_and_save(lake, stop)
