"""Run the serverless path on this machine: moto's server for S3/DynamoDB/SNS + the gateway.

The handlers find their resources through environment variables, exactly as a deployed Lambda
does; ``local_stack`` therefore sets those variables in this process before serving.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from fleetlake.errors import ServiceError
from fleetlake.serverless.gateway import Gateway
from fleetlake.serverless.proxy import API_KEY_ENV_VAR
from fleetlake.serverless.resources import Clients, ResourceNames, aws_errors, bootstrap

if TYPE_CHECKING:
    from fleetlake.config import Config

log = logging.getLogger(__name__)

# moto accepts any credentials; real ones must never be sent to it by accident.
_MOTO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class LocalStack:
    gateway: Gateway
    names: ResourceNames
    routes_loaded: int

    @property
    def url(self) -> str:
        return self.gateway.url

    @property
    def clients(self) -> Clients:
        return Clients(self.names)


@contextmanager
def moto_server(timeout: float = 30.0) -> Iterator[str]:
    """moto's S3/DynamoDB/SNS server in a child process on a free loopback port; yields its URL.

    A separate process, not moto's in-process thread: the gateway and moto then run on two
    cores instead of sharing one interpreter lock (measured: ~20 % more events/s).
    """
    if importlib.util.find_spec("moto") is None:
        raise ServiceError("moto is not installed: pip install 'fleetlake[serverless]'")
    for key, value in _MOTO_CREDENTIALS.items():
        os.environ.setdefault(key, value)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    try:
        _wait_for_port(port, process, timeout)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies, even by SIGKILL (Linux prctl)."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"moto server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise ServiceError(f"moto server did not listen on port {port} within {timeout:.0f} s")


def emulator_defaults(endpoint_url: str | None) -> None:
    """For a loopback endpoint (an emulator), fill in test credentials and region where unset."""
    if endpoint_url and urlparse(endpoint_url).hostname in ("127.0.0.1", "localhost", "::1"):
        for key, value in _MOTO_CREDENTIALS.items():
            os.environ.setdefault(key, value)


def configured_names(config: Config, endpoint_url: str | None) -> ResourceNames:
    """The resources a command uses: table names and topic of a deployed stack as exported in
    the environment, bucket and deviation threshold from the config, this endpoint."""
    return replace(
        ResourceNames.from_env(),
        bucket=config.events_bucket,
        deviation_threshold_km=config.deviation_threshold_km,
        endpoint_url=endpoint_url,
    )


def prepare_resources(config: Config, endpoint_url: str | None) -> ResourceNames:
    """Create bucket, tables and topic (idempotent) and export their names to the handlers.

    A loopback endpoint is an emulator: see ``emulator_defaults``.
    """
    emulator_defaults(endpoint_url)
    with aws_errors(f"cannot prepare AWS resources at {endpoint_url or 'AWS'}"):
        names = bootstrap(configured_names(config, endpoint_url))
    os.environ.update(names.to_env())
    os.environ[API_KEY_ENV_VAR] = config.api_key_env
    return names


def load_routes(config: Config, names: ResourceNames) -> int:
    """Copy the lake's current routes into ``routes_waypoints``; returns how many."""
    from fleetlake.lake import open_lake
    from fleetlake.serverless.routes import put_routes, routes_from_table

    lake = open_lake(config.lake, endpoint_url=config.s3_endpoint_url)
    routes = routes_from_table(lake.current("routes"))
    with aws_errors(f"cannot write routes to {names.routes_table}"):
        return put_routes(Clients(names), routes)


@contextmanager
def local_stack(
    config: Config,
    port: int = 0,
    endpoint_url: str | None = None,
    start_moto: bool = True,
    with_routes: bool = True,
) -> Iterator[LocalStack]:
    """Gateway (serving on a thread) + resources on ``endpoint_url``; without one, on a fresh
    moto server (``start_moto``) or on real AWS (boto3's default endpoints and credentials).

    With ``with_routes``, routes are loaded from the configured lake when it exists. The
    environment variables exported for the handlers are restored on exit.
    """
    with _environment_restored(), _endpoint(endpoint_url, start_moto) as endpoint:
        names = prepare_resources(config, endpoint)
        routes = 0
        if with_routes:
            routes = _load_routes_if_lake(config, names)
        gateway = Gateway(port=port).start()
        try:
            yield LocalStack(gateway, names, routes)
        finally:
            gateway.stop()


@contextmanager
def _environment_restored() -> Iterator[None]:
    saved = dict(os.environ)
    try:
        yield
    finally:
        for key in set(os.environ) - set(saved):
            del os.environ[key]
        os.environ.update(saved)


def _load_routes_if_lake(config: Config, names: ResourceNames) -> int:
    from fleetlake.errors import LakeError

    try:
        return load_routes(config, names)
    except LakeError as e:
        log.warning("no routes loaded: %s", e)
        return 0


@contextmanager
def _endpoint(endpoint_url: str | None, start_moto: bool) -> Iterator[str | None]:
    if endpoint_url or not start_moto:
        yield endpoint_url
    else:
        with moto_server() as url:
            yield url
