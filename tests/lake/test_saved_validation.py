"""The saved validation result: reused only for the same lake content under the same rules."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

import fleetlake
from fleetlake.lake import open_lake
from fleetlake.lake import saved_validation as validation
from fleetlake.lake import validate as lake_validate
from fleetlake.lake.storage import LocalStorage
from fleetlake.lake.writer import write_stream_day
from fleetlake.schema import DELIVERY_EVENTS


@pytest.fixture
def validated_lake(tiny_lake: Path, tmp_path: Path) -> Path:
    """A copy of the tiny lake whose (clean) validation result is saved."""
    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake, ignore=shutil.ignore_patterns(".cache"))
    validation.validate_and_save(open_lake(str(lake)))
    assert validation.saved_validation(open_lake(str(lake))) is not None
    return lake


def test_compacted_events_invalidate_the_saved_result(validated_lake: Path) -> None:
    day = date(2024, 1, 2)
    bad = pa.Table.from_pylist(
        [
            {
                "event_id": "e1",
                "delivery_id": 999_999,  # no such delivery
                "delivery_status": "lost",  # outside the domain
                "event_time": datetime(2024, 1, 2, 9),
                "recipient_signature": None,
                "vehicle_id": 1,
            }
        ],
        schema=DELIVERY_EVENTS.schema,
    )
    write_stream_day(LocalStorage(validated_lake), day, {"delivery_events": bad}, frozenset({"k1"}))
    report = validation.validation_of(open_lake(str(validated_lake)))
    violations = {v.rule: (v.count, v.examples) for v in report.violations}
    assert violations == {
        "delivery_events.delivery exists": (1, ("e1",)),
        "delivery_events.delivery_status domain": (1, ("e1",)),
    }
    assert report.rows["delivery_events"] == 1


def test_new_rules_or_release_invalidate_the_saved_result(
    validated_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        lake_validate,
        "RULES",
        (*lake_validate.RULES, ("trips.none departs at all", "trips", "TRUE", "trip_id")),
    )
    report = validation.validation_of(open_lake(str(validated_lake)))
    assert [v.rule for v in report.violations] == ["trips.none departs at all"]
    monkeypatch.undo()
    assert validation.saved_validation(open_lake(str(validated_lake))) is None  # rules changed
    validation.validate_and_save(open_lake(str(validated_lake)))
    assert validation.saved_validation(open_lake(str(validated_lake))) is not None
    monkeypatch.setattr(fleetlake, "__version__", "999.0.0")
    assert validation.saved_validation(open_lake(str(validated_lake))) is None  # new release


def test_a_file_changed_or_lost_since_the_result_was_saved_is_validated_again(
    validated_lake: Path,
) -> None:
    files = sorted((validated_lake / "deliveries").glob("date=*/*.parquet"))
    files[0].write_bytes(files[1].read_bytes())  # valid Parquet, but not the file listed
    assert validation.saved_validation(open_lake(str(validated_lake))) is None
    report = validation.validation_of(open_lake(str(validated_lake)))
    assert "manifest: partition files" in {v.rule for v in report.violations}
    files[0].unlink()
    assert validation.saved_validation(open_lake(str(validated_lake))) is None
    assert not validation.validation_of(open_lake(str(validated_lake))).ok  # saved, failing
    assert validation.saved_validation(open_lake(str(validated_lake))) is None  # a file missing


def test_a_same_size_rewrite_with_its_old_mtime_is_validated_again(validated_lake: Path) -> None:
    target = sorted((validated_lake / "trips").glob("date=*/*.parquet"))[0]
    before = target.stat()
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte flipped, in place: same size, same inode
    with open(target, "r+b") as f:
        f.write(data)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # the old mtime, put back
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (
        before.st_size,
        before.st_mtime_ns,
    )
    assert validation.saved_validation(open_lake(str(validated_lake))) is None  # ctime moved


def test_the_files_are_listed_before_validating(validated_lake: Path, monkeypatch) -> None:
    """A file rewritten while validation runs is seen as changed by the next reuse."""
    target = sorted((validated_lake / "trips").glob("date=*/*.parquet"))[0]
    validate = lake_validate.validate_lake

    def rewritten_meanwhile(lake, stop=None):
        report = validate(lake, stop)  # read the old bytes ...
        target.write_bytes(target.read_bytes() + b"x")  # ... then the file changes
        return report

    monkeypatch.setattr(validation, "validate_lake", rewritten_meanwhile)
    validation.validate_and_save(open_lake(str(validated_lake)))
    assert validation.saved_validation(open_lake(str(validated_lake))) is None


def test_fleetlake_validate_always_checks_afresh_and_saves_what_it_found(
    validated_lake: Path,
) -> None:
    from click.testing import CliRunner

    from fleetlake.cli import main

    wrong = lake_validate.ValidationReport(
        str(validated_lake), ["x"], [lake_validate.Violation("trips.a rule", 1)]
    )
    opened = open_lake(str(validated_lake))
    validation.save_validation(opened, wrong, validation.file_stats(opened))
    result = CliRunner().invoke(main, ["validate", "--lake", str(validated_lake)])
    assert result.exit_code == 0, result.output  # the lake is fine: the saved verdict was not used
    assert validation.saved_validation(open_lake(str(validated_lake))).ok  # and it was replaced


def test_a_manifest_whose_row_counts_changed_is_validated_again(validated_lake: Path) -> None:
    import json

    from fleetlake.lake.manifest import day_entry_key

    day = open_lake(str(validated_lake)).partition_dates("trips")[0]
    path = validated_lake / day_entry_key(day)
    entry = json.loads(path.read_text())
    entry["tables"]["trips"]["rows"] += 1  # same files, same hashes, another count
    path.write_text(json.dumps(entry))
    assert validation.saved_validation(open_lake(str(validated_lake))) is None
    report = validation.validation_of(open_lake(str(validated_lake)))
    assert "manifest: partition files" in {v.rule for v in report.violations}
