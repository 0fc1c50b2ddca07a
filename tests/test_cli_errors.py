"""Every user error is one line on stderr and a non-zero exit; --debug shows the traceback."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from fleetlake.cli import main


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gen", "--sf", "0", "--lake", "{tmp}/l"], "error: --sf must be > 0, got 0.0"),
        (["gen", "--days", "-3", "--lake", "{tmp}/l"], "error: --days must be >= 1, got -3"),
        (
            ["gen", "--start", "2024-13-01", "--lake", "{tmp}/l"],
            "error: --start must be a date YYYY-MM-DD, got '2024-13-01'",
        ),
        (
            ["gen", "--shard", "3/2", "--sf", "0.01", "--lake", "{tmp}/l"],
            "error: --shard 3/2: K must be between 1 and N",
        ),
        (["simulate", "--days", "2", "--lake", "{tmp}/none"], "error: no lake at"),
        (["validate", "--lake", "{tmp}/none"], "error: no lake at"),
        (["gen", "--lake", "ftp://x/y"], "error: unsupported lake URI 'ftp://x/y'"),
    ],
)
def test_user_errors_are_one_line(tmp_path, args, message):
    result = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code != 0
    assert result.output.startswith(message), result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path):
    result = run("--debug", "gen", "--sf", "0", "--lake", str(tmp_path / "l"))
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "ConfigError"


def test_validate_exits_non_zero_with_a_readable_report(tiny_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake)
    next(iter(sorted((lake / "trips").glob("date=*/part-0.parquet")))).unlink()
    result = run("validate", "--lake", str(lake))
    assert result.exit_code == 1
    assert "FAIL manifest: partition files: 1 violation(s)" in result.output
    assert "FAIL deliveries.trip exists" in result.output  # the lost trips' deliveries dangle
    assert "error: 2 rule(s) violated" in result.output


def test_gen_json_summary_and_simulate(tmp_path):
    import json

    lake = str(tmp_path / "lake")
    result = run("gen", "--sf", "0.05", "--days", "10", "--lake", lake, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["rows"]["trips"] == summary["rows"]["deliveries"] // 4 > 0
    assert summary["days_written"] == 10 and summary["end"] == "2024-01-11"
    result = run("simulate", "--days", "5", "--lake", lake, "--json")
    assert json.loads(result.output)["end"] == "2024-01-16"
    result = run("simulate", "--days", "1", "--lake", lake, "--seed", "1")
    assert result.exit_code != 0 and "generated with seed=42, not 1" in result.output


def test_every_command_has_help():
    for name, command in main.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0 and command.help.split("\n")[0][:20] in result.output


def test_a_lake_of_another_generator_version_is_refused_untouched(tmp_path):
    """Another generator version draws other rows: continuing its lake would mix the two."""
    import json

    lake = tmp_path / "lake"
    assert run("gen", "--sf", "0.01", "--days", "3", "--lake", str(lake)).exit_code == 0
    info = json.loads((lake / "_lake.json").read_text())
    (lake / "_lake.json").write_text(json.dumps(info | {"generator_version": "1"}))
    before = {p: p.read_bytes() for p in lake.rglob("*") if p.is_file()}
    for args in (["simulate", "--days", "1"], ["gen", "--sf", "0.01", "--days", "4"]):
        result = run(*args, "--lake", str(lake))
        assert result.exit_code == 1, result.output
        assert "generated with generator_version=1, not 2; use a new lake path" in result.output
    assert {p: p.read_bytes() for p in lake.rglob("*") if p.is_file()} == before
