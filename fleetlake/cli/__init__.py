"""The ``fleetlake`` command: thin click commands over library functions.

Each area registers its commands from its own module (``fleetlake/cli/<area>.py``). Library code is
imported inside the command bodies so ``fleetlake --help`` stays fast and never imports a driver.
"""

from __future__ import annotations

# Importing an area's module registers its commands on ``main``:
# lake_commands: gen, simulate, validate, demo · pg: pg load/explain · kpi: kpi, kpi check ·
# warehouse: warehouse load/status · serverless: serve, load-routes, replay, compact · report
from fleetlake.cli import kpi, lake_commands, pg, report, serverless, warehouse  # noqa: F401
from fleetlake.cli.app import main

__all__ = ["main"]
