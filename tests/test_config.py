"""Profiles, precedence, and errors that name the key and the file."""

from __future__ import annotations

import pytest

from fleetlake.config import load_config
from fleetlake.errors import ConfigError


@pytest.fixture
def toml(tmp_path):
    path = tmp_path / "fleetlake.toml"

    def write(text: str):
        path.write_text(text)
        return path

    return write


def test_defaults_are_the_local_profile(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert (config.profile, config.lake, config.warehouse_target) == ("local", "./lake", "duckdb")


def test_precedence_option_over_env_over_file(toml, monkeypatch):
    path = toml('[profiles.prod]\nlake = "s3://b/p"\nseed = 7\nworkers = 3\n')
    monkeypatch.setenv("FLEETLAKE_SEED", "8")
    config = load_config("prod", path, workers=1)
    assert (config.lake, config.seed, config.workers) == ("s3://b/p", 8, 1)
    monkeypatch.setenv("FLEETLAKE_PROFILE", "prod")
    assert load_config(None, path).lake == "s3://b/p"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[profiles.local]\nworkers = "many"\n', "'workers' must be int, got 'many'"),
        ("[profiles.local]\nlakes = './x'\n", "unknown key 'lakes'"),
        ('[profiles.local]\nwarehouse_target = "oracle"\n', "'warehouse_target' must be"),
        ('[profiles.local]\npostgres_password = "x"\n', "looks like a secret"),
        ("[profiles.local\n", "not valid TOML"),
    ],
)
def test_bad_values_name_the_key_and_the_file(toml, text, message):
    path = toml(text)
    with pytest.raises(ConfigError) as error:
        load_config(None, path)
    assert message in str(error.value) and str(path) in str(error.value)


def test_unknown_profile_lists_the_known_ones(toml):
    path = toml('[profiles.local]\n[profiles.prod]\nlake = "s3://b"\n')
    with pytest.raises(ConfigError, match=r"no profile 'staging' \(profiles: local, prod\)"):
        load_config("staging", path)


def test_bad_environment_value_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLEETLAKE_WORKERS", "-1")
    with pytest.raises(ConfigError, match="^environment FLEETLAKE_WORKERS: 'workers' must be >= 0"):
        load_config()
    with pytest.raises(ConfigError, match="^option --workers: 'workers' must be >= 0, got -2"):
        load_config(workers=-2)
    monkeypatch.setenv("FLEETLAKE_WORKERS", "x")
    with pytest.raises(ConfigError, match="environment FLEETLAKE_WORKERS: 'workers' must be int"):
        load_config()
