"""infra/template.yaml: valid for cfn-lint, and wired to the handlers the local gateway runs."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from fleetlake.serverless.gateway import ROUTES
from fleetlake.serverless.resources import ResourceNames

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"
CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CFN_LINT), str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def functions() -> dict:
    from cfnlint.decode import decode

    template, problems = decode(str(TEMPLATE))
    assert problems == []
    return template, {
        name: r["Properties"]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }


def test_template_passes_cfn_lint():
    result = lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_catches_a_broken_template(tmp_path):
    broken = tmp_path / "template.yaml"
    broken.write_text(TEMPLATE.read_text().replace("!Ref EventsBucket", "!Ref NoSuchBucket"))
    assert lint(broken).returncode != 0


def test_every_route_is_deployed_with_its_handler():
    _, deployed = functions()
    routes = set()
    for props in deployed.values():
        module, name = props["Handler"].rsplit(".", 1)
        handler = getattr(importlib.import_module(module), name)
        for event in props["Events"].values():
            assert event["Type"] == "HttpApi"
            routes.add((event["Properties"]["Method"], event["Properties"]["Path"], handler))
    assert routes == set(ROUTES)


def test_function_environment_names_what_the_handlers_read():
    template, _ = functions()
    variables = set(template["Globals"]["Function"]["Environment"]["Variables"])
    expected = set(ResourceNames(topic_arn="arn").to_env()) | {"FLEETLAKE_API_KEY"}
    assert variables == expected


@pytest.mark.parametrize("module", ["fleetlake.serverless.handlers"])
def test_handlers_import_without_the_lake_stack(module):
    """A Lambda package ships boto3, not pyarrow/duckdb/polars: the handlers must not need them."""
    code = (
        "import sys; sys.modules.update({m: None for m in ('pyarrow', 'duckdb', 'polars', "
        f"'numpy', 'pandas')}}); import {module}"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
