"""The root click group, the shared context and the one error path."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from fleetlake.errors import FleetlakeError


@dataclass
class AppContext:
    """What every command receives: the chosen profile, the config file, and --debug."""

    profile: str | None
    config_path: Path | None
    debug: bool

    def config(self, **overrides: Any):
        """The resolved configuration, with this command's options as the highest precedence."""
        from fleetlake.config import load_config

        return load_config(self.profile, self.config_path, **overrides)


def fail(message: str, exit_code: int = 1) -> None:
    """Print one red line on stderr and exit non-zero."""
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(exit_code)


def handle_errors(command: Callable) -> Callable:
    """Turn a FleetlakeError into one line on stderr and its exit code; bugs keep their traceback.

    With ``--debug`` the traceback of a user error is shown too.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except FleetlakeError as e:
            ctx = click.get_current_context(silent=True)
            app = ctx.find_object(AppContext) if ctx else None
            if app is not None and app.debug:
                raise
            fail(str(e), e.exit_code)
        except KeyboardInterrupt:
            fail("interrupted; published partitions are intact, rerun to complete", 130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--profile", envvar="FLEETLAKE_PROFILE", help="Profile in fleetlake.toml [local].")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Path to fleetlake.toml [./fleetlake.toml or $FLEETLAKE_CONFIG].",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
@click.version_option(package_name="fleetlake")
@click.pass_context
def main(ctx: click.Context, profile: str | None, config_path: Path | None, debug: bool) -> None:
    """fleetlake: a local-first lakehouse for fleet-logistics data.

    Generate a reproducible logistics company as a Parquet lake, run the KPIs, load Postgres and a
    star-schema warehouse, and run the real-time path against emulated AWS.
    """
    ctx.obj = AppContext(profile=profile, config_path=config_path, debug=debug)


pass_app = click.make_pass_decorator(AppContext)
