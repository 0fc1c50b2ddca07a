"""The ``fleetlake`` command: thin click commands over library functions.

Each area registers its commands from its own module (``fleetlake/cli/<area>.py``). Library code is
imported inside the command bodies so ``fleetlake --help`` stays fast and never imports a driver.
"""

from __future__ import annotations

from fleetlake.cli.app import main
from fleetlake.cli import lake_commands  # noqa: F401  (registers gen, simulate, validate, demo)
from fleetlake.cli import report  # noqa: F401  (registers report)
from fleetlake.cli import pg, kpi  # noqa: F401  (pg load, pg explain; kpi, kpi check)
from fleetlake.cli import serverless  # noqa: F401  (serve, load-routes, replay, compact)
from fleetlake.cli import warehouse  # noqa: F401  (warehouse load, warehouse status)

__all__ = ["main"]
