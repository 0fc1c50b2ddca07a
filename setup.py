"""Packages for setuptools: fleetlake itself, plus the top-level sql/ tree shipped as fleetlake.sql.

The SQL lives at the top of the repository because people read and reuse it; in the wheel it
becomes package data so ``fleetlake.sql_files`` finds it after ``pip install``.
"""

from setuptools import find_namespace_packages, find_packages, setup

sql_packages = ["fleetlake.sql"] + [f"fleetlake.sql.{p}" for p in find_namespace_packages("sql")]
setup(
    packages=find_packages(include=["fleetlake", "fleetlake.*"]) + sql_packages,
    package_dir={"fleetlake.sql": "sql"},
    package_data={"fleetlake.sql": ["*.sql", "**/*.sql"]},
)
