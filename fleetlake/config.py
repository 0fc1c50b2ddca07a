"""Configuration: profiles from ``fleetlake.toml`` plus environment overrides.

Precedence (highest first): command-line options > ``FLEETLAKE_*`` environment variables >
the selected profile in ``fleetlake.toml`` > embedded defaults. The profile is chosen by
``--profile``, else ``FLEETLAKE_PROFILE``, else ``local``.

Secrets never live in the file: Postgres comes from a DSN or libpq ``PG*`` variables, AWS from its
standard environment (``AWS_ENDPOINT_URL`` for S3-compatible endpoints), Snowflake from its own
``connections.toml`` or ``SNOWFLAKE_*`` variables. A key that looks like a secret is refused.

Example ``fleetlake.toml``::

    [profiles.local]
    lake = "./lake"

    [profiles.prod]
    lake = "s3://my-bucket/fleetlake"
    s3_endpoint_url = "https://s3.us-east-1.amazonaws.com"
    warehouse_target = "snowflake"
    snowflake_connection = "fleetlake"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from fleetlake.errors import ConfigError

DEFAULT_PROFILE = "local"
CONFIG_FILE = "fleetlake.toml"
SECRET_WORDS = ("password", "secret", "token", "private_key")
# The on-time rule (delivered <= scheduled + tolerance): the profile's default, and the KPIs'
# when they are run without a profile.
DEFAULT_ON_TIME_TOLERANCE_MINUTES = 30


@dataclass(frozen=True)
class Config:
    """One resolved profile. Every field can be set in the file or as ``FLEETLAKE_<FIELD>``."""

    profile: str = DEFAULT_PROFILE
    source: str = "<defaults>"
    lake: str = "./lake"
    s3_endpoint_url: str | None = None
    seed: int = 42
    workers: int = 0  # 0 = one per CPU core
    # Postgres OLTP copy: DSN without password (libpq PG* variables fill the rest).
    postgres_dsn: str | None = None
    # Warehouse target and its settings.
    warehouse_target: str = "duckdb"
    warehouse_path: str = "./warehouse.duckdb"
    snowflake_connection: str | None = None
    # KPIs: tolerance of the single on-time rule, minutes.
    on_time_tolerance_minutes: int = DEFAULT_ON_TIME_TOLERANCE_MINUTES
    # Warehouse measures (COP): cost = fuel + tolls + driver hours, spread over the trip's
    # deliveries; revenue = base + per kg of the package + per km of the route / deliveries.
    fuel_price_cop_per_liter: float = 11000.0
    driver_cost_cop_per_hour: float = 15000.0
    revenue_base_cop: float = 8000.0
    revenue_cop_per_kg: float = 1200.0
    revenue_cop_per_km: float = 150.0
    # Serverless path.
    api_key_env: str = "FLEETLAKE_API_KEY"
    events_bucket: str = "fleetlake-events"
    deviation_threshold_km: float = 5.0


_FIELD_TYPES: dict[str, Any] = {f.name: f.type for f in fields(Config)}
_SETTABLE = tuple(name for name in _FIELD_TYPES if name not in ("profile", "source"))


def _coerce(key: str, value: Any, where: str) -> Any:
    kind = _FIELD_TYPES[key]
    try:
        if value is None:
            return None
        if kind.startswith("int"):
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if kind.startswith("float"):
            return float(value)
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError):
        expected = kind.split(" ")[0]
        raise ConfigError(f"{where}: '{key}' must be {expected}, got {value!r}") from None


def _check(config: Config, origins: dict[str, str]) -> Config:
    """Values out of range, each named where it was set (``origins``: key -> file section,
    environment variable or option; the defaults otherwise)."""

    def where(key: str) -> str:
        return origins.get(key, config.source)

    if config.warehouse_target not in ("duckdb", "snowflake"):
        raise ConfigError(
            f"{where('warehouse_target')}: 'warehouse_target' must be 'duckdb' or 'snowflake', "
            f"got {config.warehouse_target!r}"
        )
    if config.workers < 0:
        raise ConfigError(f"{where('workers')}: 'workers' must be >= 0, got {config.workers}")
    if config.on_time_tolerance_minutes < 0:
        key = "on_time_tolerance_minutes"
        raise ConfigError(f"{where(key)}: '{key}' must be >= 0")
    if config.deviation_threshold_km <= 0:
        key = "deviation_threshold_km"
        raise ConfigError(f"{where(key)}: '{key}' must be > 0")
    for key in ("fuel_price_cop_per_liter", "driver_cost_cop_per_hour", "revenue_base_cop",
                "revenue_cop_per_kg", "revenue_cop_per_km"):  # fmt: skip
        if getattr(config, key) < 0:
            raise ConfigError(f"{where(key)}: '{key}' must be >= 0, got {getattr(config, key)}")
    return config


def find_config_file(start: Path | None = None) -> Path | None:
    """``$FLEETLAKE_CONFIG`` if set, else ``fleetlake.toml`` in the working directory."""
    explicit = os.environ.get("FLEETLAKE_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"FLEETLAKE_CONFIG points to {path}, which is not a file")
        return path
    candidate = (start or Path.cwd()) / CONFIG_FILE
    return candidate if candidate.is_file() else None


def load_config(profile: str | None = None, path: Path | None = None, **overrides: Any) -> Config:
    """Resolve a profile: defaults < file < environment < ``overrides`` (non-None values)."""
    profile = profile or os.environ.get("FLEETLAKE_PROFILE") or DEFAULT_PROFILE
    path = path if path is not None else find_config_file()
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}  # where each value in ``values`` came from
    source = "<defaults>"
    if path is not None:
        source = str(path)
        try:
            document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: not valid TOML ({e})") from None
        except OSError as e:
            raise ConfigError(f"{path}: cannot read ({e.strerror})") from None
        profiles = document.get("profiles", {})
        if not isinstance(profiles, dict):
            raise ConfigError(f"{path}: 'profiles' must be a table")
        if profile not in profiles and profile != DEFAULT_PROFILE:
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(f"{path}: no profile '{profile}' (profiles: {known})")
        section = profiles.get(profile, {})
        for key, value in section.items():
            where = f"{path} [profiles.{profile}]"
            if any(word in key.lower() for word in SECRET_WORDS):
                raise ConfigError(
                    f"{where}: '{key}' looks like a secret; set it in the environment"
                )
            if key not in _SETTABLE:
                raise ConfigError(f"{where}: unknown key '{key}' (known: {', '.join(_SETTABLE)})")
            values[key] = _coerce(key, value, where)
            origins[key] = where
    elif profile != DEFAULT_PROFILE:
        raise ConfigError(f"profile '{profile}' requested but no {CONFIG_FILE} found")
    for key in _SETTABLE:
        env_value = os.environ.get(f"FLEETLAKE_{key.upper()}")
        if env_value is not None and env_value != "":
            origins[key] = f"environment FLEETLAKE_{key.upper()}"
            values[key] = _coerce(key, env_value, origins[key])
    for key, value in overrides.items():
        if value is not None:
            origins[key] = f"option --{key.replace('_', '-')}"
            values[key] = _coerce(key, value, origins[key])
    config = replace(Config(profile=profile, source=source), **values)
    return _check(config, origins)
