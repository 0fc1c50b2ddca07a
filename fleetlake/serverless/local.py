"""Run the serverless path on this machine: moto's server for S3/DynamoDB/SNS + the gateway.

The handlers find their resources through environment variables, exactly as a deployed Lambda
does; ``local_stack`` therefore sets those variables in this process before serving.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fleetlake.errors import ServiceError
from fleetlake.serverless.gateway import Gateway
from fleetlake.serverless.proxy import API_KEY_ENV_VAR
from fleetlake.serverless.resources import Clients, ResourceNames, bootstrap

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
def moto_server() -> Iterator[str]:
    """moto's S3/DynamoDB/SNS server on a free loopback port; yields its endpoint URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise ServiceError("moto is not installed: pip install 'fleetlake[serverless]'") from None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    for key, value in _MOTO_CREDENTIALS.items():
        os.environ[key] = value
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def prepare_resources(config: Config, endpoint_url: str | None) -> ResourceNames:
    """Create bucket, tables and topic (idempotent) and export their names to the handlers."""
    names = ResourceNames(
        bucket=config.events_bucket,
        deviation_threshold_km=config.deviation_threshold_km,
        endpoint_url=endpoint_url,
    )
    try:
        names = bootstrap(names)
    except Exception as e:  # botocore errors: unreachable endpoint, missing credentials
        raise ServiceError(f"cannot prepare AWS resources at {endpoint_url or 'AWS'}: {e}") from e
    os.environ.update(names.to_env())
    os.environ[API_KEY_ENV_VAR] = config.api_key_env
    return names


def load_routes(config: Config, names: ResourceNames) -> int:
    """Copy the lake's current routes into ``routes_waypoints``; returns how many."""
    from fleetlake.lake import open_lake
    from fleetlake.serverless.routes import put_routes, routes_from_table

    lake = open_lake(config.lake, endpoint_url=config.s3_endpoint_url)
    return put_routes(Clients(names), routes_from_table(lake.current("routes")))


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

    With ``with_routes``, routes are loaded from the configured lake when it exists.
    """
    with _endpoint(endpoint_url, start_moto) as endpoint:
        names = prepare_resources(config, endpoint)
        routes = 0
        if with_routes:
            routes = _load_routes_if_lake(config, names)
        gateway = Gateway(port=port).start()
        try:
            yield LocalStack(gateway, names, routes)
        finally:
            gateway.stop()


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
