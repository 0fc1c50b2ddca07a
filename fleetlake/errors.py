"""The exception tree of fleetlake.

    FleetlakeError                 a user-facing problem: the CLI prints one line, exits non-zero
    ├── ConfigError                a bad flag, profile or fleetlake.toml value (names key and file)
    ├── LakeError                  a lake that cannot be read or written
    │   ├── ManifestError          missing/corrupted manifest, or a seed/sf mismatch on append
    │   └── StorageError           unwritable path, missing bucket, unreachable endpoint
    ├── ValidationError            data that breaks a rule (lake validate, event validation)
    ├── DatabaseError              Postgres / warehouse target failures, translated at the edge
    └── ServiceError               serverless path: gateway/AWS emulator problems

Anything else that escapes is a bug and shows a traceback with ``--debug``.
"""

from __future__ import annotations


class FleetlakeError(Exception):
    """Base of every error a user can cause or fix; the CLI prints ``str(err)`` on one line."""

    exit_code = 1


class ConfigError(FleetlakeError):
    exit_code = 2


class LakeError(FleetlakeError):
    pass


class ManifestError(LakeError):
    pass


class StorageError(LakeError):
    pass


class ValidationError(FleetlakeError):
    pass


class DatabaseError(FleetlakeError):
    pass


class ServiceError(FleetlakeError):
    pass


def first_line(error: BaseException) -> str:
    """The first line of a driver's error message (its class name when it has none): enough for
    the one-line errors above, where the full text would spill over several lines."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
