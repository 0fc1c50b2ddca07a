#!/usr/bin/env bash
# The README's test command: create .venv, install fleetlake with its test extras, run pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
.venv/bin/python -m pytest -p no:cacheprovider "$@"
