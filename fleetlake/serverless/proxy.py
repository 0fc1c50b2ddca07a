"""API Gateway proxy events in, proxy responses out: the shell every handler shares.

Accepts REST API (payload 1.0) and HTTP API (payload 2.0) events. The wrapper checks the API
key, turns an EventError into 400/404/413 naming the field, and any other exception into a 500
that reveals nothing but is logged with its traceback.
"""

from __future__ import annotations

import base64
import functools
import hmac
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fleetlake.serverless.models import EventError, parse_id

log = logging.getLogger("fleetlake.serverless")

API_KEY_HEADER = "x-api-key"
# The variable naming the variable that holds the key (config ``api_key_env``).
API_KEY_ENV_VAR = "FLEETLAKE_API_KEY_ENV"
DEFAULT_API_KEY_ENV = "FLEETLAKE_API_KEY"
MAX_BODY_BYTES = 1_048_576


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    path_parameters: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: str

    def json(self) -> Any:
        """The decoded body; malformed JSON is a 400 naming ``body``."""
        if len(self.body.encode()) > MAX_BODY_BYTES:
            raise EventError("body", f"larger than {MAX_BODY_BYTES} bytes", status=413)
        try:
            return json.loads(self.body)
        except json.JSONDecodeError as e:
            raise EventError("body", f"malformed JSON ({e.msg} at char {e.pos})") from None
        except RecursionError:
            raise EventError("body", "malformed JSON (nested too deeply)") from None
        except ValueError:  # an integer literal beyond Python's 4,300-digit conversion limit
            raise EventError("body", "malformed JSON (a number too long to read)") from None

    def id_parameter(self, name: str) -> int:
        """A numeric path parameter such as ``{id}``."""
        value = self.path_parameters.get(name, "")
        if not value.isdigit():
            raise EventError(name, f"must be a positive integer, got {value[:20]!r}")
        return parse_id(int(value), name)


def parse_request(event: dict[str, Any]) -> Request:
    """A Request from an API Gateway v1 (REST) or v2 (HTTP API) proxy event."""
    if event.get("version") == "2.0":
        http = event.get("requestContext", {}).get("http", {})
        method, path = http.get("method", ""), event.get("rawPath", http.get("path", ""))
    else:
        method, path = event.get("httpMethod", ""), event.get("path", "")
    body = event.get("body") or ""
    if event.get("isBase64Encoded") and body:
        body = base64.b64decode(body).decode("utf-8", errors="replace")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    return Request(method.upper(), path, dict(event.get("pathParameters") or {}), headers, body)


def _json_value(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal: send them as JSON numbers, not strings."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """A proxy response with a JSON body (valid for both payload versions)."""
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body, default=_json_value),
        "isBase64Encoded": False,
    }


def expected_api_key() -> str | None:
    """The configured API key, or None when the routes are open."""
    return os.environ.get(os.environ.get(API_KEY_ENV_VAR, DEFAULT_API_KEY_ENV)) or None


def check_api_key(request: Request) -> dict[str, Any] | None:
    """None if the request may proceed; else the 401 (no key) or 403 (wrong key) response."""
    expected = expected_api_key()
    if expected is None:
        return None
    given = request.headers.get(API_KEY_HEADER)
    if not given:
        return response(401, {"error": f"missing API key header {API_KEY_HEADER}"})
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return response(403, {"error": "invalid API key"})
    return None


Route = Callable[[Request], tuple[int, dict[str, Any]]]


def proxy_handler(route: Route) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap ``route(request) -> (status, body)`` as a Lambda ``handler(event, context)``."""

    @functools.wraps(route)
    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        try:
            request = parse_request(event)
            denied = check_api_key(request)
            if denied is not None:
                return denied
            status, body = route(request)
            return response(status, body)
        except EventError as e:
            return response(e.status, {"error": str(e), "field": e.field})
        except Exception:
            request_id = getattr(context, "aws_request_id", None)
            log.exception("handler %s failed (request %s)", route.__name__, request_id)
            return response(500, {"error": "internal error", "request_id": request_id})

    return handler
