"""fleetlake: a local-first lakehouse for fleet-logistics data."""

__version__ = "0.1.0"
