"""A local stand-in for API Gateway: HTTP on 127.0.0.1 that invokes the Lambda handlers in-process.

moto's API Gateway does not run Lambda proxy integrations, so this server does what API Gateway
would: match the route, build an HTTP API (payload 2.0) proxy event, call the handler, and write
its proxy response back. Keep-alive HTTP/1.1, one thread per connection.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fleetlake.errors import ServiceError
from fleetlake.serverless import handlers
from fleetlake.serverless.proxy import MAX_BODY_BYTES

log = logging.getLogger(__name__)

_DRAIN_LIMIT = 16 * MAX_BODY_BYTES
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

# (method, path template, handler): the same routes infra/template.yaml declares.
ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("POST", "/events", handlers.ingest),
    ("GET", "/deliveries/{id}", handlers.delivery_status),
    ("POST", "/vehicles/{id}/eta", handlers.eta),
    ("POST", "/routes/{id}/deviation", handlers.route_deviation),
)


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


_COMPILED = [(m, t, _compile(t), h) for m, t, h in ROUTES]


@dataclass(frozen=True)
class LambdaContext:
    """The bits of the Lambda context object handlers use."""

    aws_request_id: str
    function_name: str


def build_event(
    method: str,
    path: str,
    template: str,
    params: dict[str, str],
    headers: dict[str, str],
    body: bytes,
) -> dict[str, Any]:
    """An HTTP API (payload 2.0) proxy event, as API Gateway would send it."""
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    now = datetime.now(UTC)
    return {
        "version": "2.0",
        "routeKey": f"{method} {template}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {k.lower(): v for k, v in headers.items()},
        "pathParameters": params or None,
        "requestContext": {
            "http": {"method": method, "path": path, "sourceIp": "127.0.0.1"},
            "requestId": uuid.uuid4().hex,
            "routeKey": f"{method} {template}",
            "stage": "$default",
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def dispatch(method: str, raw_path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """Route one request to its handler; 404/405 like API Gateway when nothing matches."""
    path = raw_path.split("?", 1)[0]
    allowed = False
    for route_method, template, pattern, handler in _COMPILED:
        match = pattern.match(path)
        if not match:
            continue
        allowed = True
        if route_method != method:
            continue
        event = build_event(method, path, template, match.groupdict(), headers, body)
        context = LambdaContext(event["requestContext"]["requestId"], handler.__name__)
        return handler(event, context)
    status, message = (405, "method not allowed") if allowed else (404, "not found")
    return {"statusCode": status, "body": json.dumps({"error": message})}


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections

    def _serve(self) -> None:
        header = self.headers.get("content-length") or "0"
        if not (header.isascii() and header.isdigit()):  # a negative length would read to EOF
            self._refuse(400, f"body: Content-Length must be a byte count, got {header[:20]!r}")
            return
        length = int(header)
        if length > MAX_BODY_BYTES:
            if length <= _DRAIN_LIMIT:  # read it so the client sees the 413, not a broken pipe
                self.rfile.read(length)
            self._refuse(413, f"body: larger than {MAX_BODY_BYTES} bytes")
            return
        body = self.rfile.read(length) if length else b""
        try:
            result = dispatch(self.command, self.path, dict(self.headers.items()), body)
        except Exception:  # a handler never raises; this guards the gateway itself
            log.exception("gateway failure on %s %s", self.command, self.path)
            result = {"statusCode": 500, "body": json.dumps({"error": "internal error"})}
        self._reply(result)

    def _refuse(self, status: int, error: str) -> None:
        """Answer a request whose body was not read, then close: the stream is out of step."""
        self._reply({"statusCode": status, "body": json.dumps({"error": error, "field": "body"})})
        self.close_connection = True

    def _reply(self, result: dict[str, Any]) -> None:
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
        self.send_response(int(result.get("statusCode", 200)))
        headers = {"content-type": "application/json"} | dict(result.get("headers") or {})
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the listen backlog: many clients connect at once


class Gateway:
    """The local HTTP gateway; ``start()`` serves on a background thread, ``url`` says where."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        try:
            self.server = _Server((host, port), _RequestHandler)
        except OSError as e:
            raise ServiceError(f"cannot listen on {host}:{port}: {e.strerror}") from e
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Gateway:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
